package dev.wallet.contract;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs started by action chains. jqwik may build several states per try while shrinking; they
 * are all closed when the property method ends, whichever way it ends.
 */
final class OpenRuns {

    private static final List<ContractRun> OPEN = new ArrayList<>();

    private OpenRuns() {
    }

    static synchronized ContractRun track(ContractRun run) {
        OPEN.add(run);
        return run;
    }

    static synchronized void closeAll() {
        List<ContractRun> runs = new ArrayList<>(OPEN);
        OPEN.clear();
        runs.forEach(ContractRun::close);
    }
}
