package dev.wallet.twopc;

/**
 * What a recovery pass did.
 *
 * @param committed  in-doubt participant transactions committed because the log held a commit decision
 * @param rolledBack in-doubt participant transactions rolled back because it held none (presumed abort)
 * @param finished   decisions marked finished
 * @param failed     transactions that could not be resolved this pass (the next pass tries again)
 */
public record RecoveryReport(int committed, int rolledBack, int finished, int failed) {

    RecoveryReport plus(RecoveryReport other) {
        return new RecoveryReport(committed + other.committed, rolledBack + other.rolledBack, finished + other.finished,
                failed + other.failed);
    }
}
