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

    /** Crash points where money was conserved after recovery. */
    public long crashPointsHeld() {
        return crashes.stream().filter(GuaranteeProbe.CrashResult::conserved).count();
    }

    /** Money created (positive) or destroyed (negative) over all crash points, in minor units of USD. */
    public long moneyGapMinor() {
        return crashes.stream().mapToLong(GuaranteeProbe.CrashResult::gapMinor).sum();
    }

    /** Acknowledged commands a recovered wallet still knew, over all crash points. */
    public int presentAfterCrash() {
        return crashes.stream().mapToInt(GuaranteeProbe.CrashResult::present).sum();
    }

    public int acknowledgedBeforeCrash() {
        return crashes.stream().mapToInt(GuaranteeProbe.CrashResult::acknowledged).sum();
    }

    /** Money conserved at every crash point. */
    public boolean atomicUnderCrash() {
        return crashes.stream().allMatch(GuaranteeProbe.CrashResult::conserved);
    }

    /** Every acknowledged command survived every crash and the restart. */
    public boolean durable() {
        return presentAfterCrash() == acknowledgedBeforeCrash() && restart.present() == restart.acknowledged()
                && restart.balancesIntact();
    }
}
