package dev.wallet.contract;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.Lifespan;
import net.jqwik.api.lifecycle.Store;

/**
 * Runs started by action chains. jqwik may build several states per try while shrinking; they
 * are all closed when the property ends, whichever way it ends. The list lives in jqwik's store of
 * the running property, so that properties running at the same time (parallel test classes) never
 * share or close each other's runs.
 */
final class OpenRuns implements Store.CloseOnReset {

    private static final Object KEY = Tuple.of(OpenRuns.class, "open contract runs");

    private final List<ContractRun> open = new ArrayList<>();

    private OpenRuns() {
    }

    /** The runs of the property that is running on this thread. */
    static OpenRuns ofCurrentProperty() {
        return Store.getOrCreate(KEY, Lifespan.PROPERTY, OpenRuns::new).get();
    }

    synchronized ContractRun track(ContractRun run) {
        open.add(run);
        return run;
    }

    /** jqwik calls this when the property's store ends. */
    @Override
    public void close() {
        closeAll();
    }

    synchronized void closeAll() {
        List<ContractRun> runs = new ArrayList<>(open);
        open.clear();
        runs.forEach(ContractRun::close);
    }
}
