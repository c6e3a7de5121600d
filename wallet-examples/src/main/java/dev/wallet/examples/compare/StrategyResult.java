package dev.wallet.examples.compare;

import java.util.List;

/**
 * Everything the comparison measured for one strategy.
 *
 * @param strategy          the strategy's name
 * @param transfersPerSecond median over the measured runs
 * @param p50Micros         acknowledgement latency of the median run, 50th percentile
 * @param p99Micros         and 99th percentile
 * @param crashes           one result per crash point, in the strategy's order
 * @param restart           what survived a restart of the process
 * @param history           whether history replays
 */
public record StrategyResult(String strategy, double transfersPerSecond, double p50Micros, double p99Micros,
                             List<GuaranteeProbe.CrashResult> crashes, GuaranteeProbe.RestartResult restart,
                             GuaranteeProbe.HistoryResult history) {

    public StrategyResult {
        crashes = List.copyOf(crashes);
    }

    /** Crash points the seeded commands reached; an unreached one measured nothing and is reported apart. */
    public List<GuaranteeProbe.CrashResult> reached() {
        return crashes.stream().filter(GuaranteeProbe.CrashResult::reached).toList();
    }

    public long notReached() {
        return crashes.size() - reached().size();
    }

    /** Crash points where money was conserved after recovery. */
    public long crashPointsHeld() {
        return crashes.stream().filter(GuaranteeProbe.CrashResult::conserved).count();
    }

    /** Money destroyed over all crash points, in minor units of USD (zero or negative). */
    public long moneyLostMinor() {
        return reached().stream().mapToLong(GuaranteeProbe.CrashResult::gapMinor).filter(gap -> gap < 0).sum();
    }

    /** Money created over all crash points, in minor units of USD (zero or positive). */
    public long moneyCreatedMinor() {
        return reached().stream().mapToLong(GuaranteeProbe.CrashResult::gapMinor).filter(gap -> gap > 0).sum();
    }

    /** Acknowledged commands a recovered wallet still knew, over the crash points reached. */
    public int presentAfterCrash() {
        return reached().stream().mapToInt(GuaranteeProbe.CrashResult::present).sum();
    }

    public int acknowledgedBeforeCrash() {
        return reached().stream().mapToInt(GuaranteeProbe.CrashResult::acknowledged).sum();
    }

    /** Money conserved at every crash point reached, and at least one was reached. */
    public boolean atomicUnderCrash() {
        return !reached().isEmpty() && reached().stream().allMatch(GuaranteeProbe.CrashResult::conserved);
    }

    /** Every acknowledged command survived every crash reached and the restart. */
    public boolean durable() {
        return presentAfterCrash() == acknowledgedBeforeCrash() && restart.present() == restart.acknowledged()
                && restart.balancesIntact();
    }
}
