package dev.wallet.contract.mutants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.contract.WalletContract;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The contract can never silently weaken: it runs (through jqwik's engine) against the correct
 * reference strategy, which must pass every property, and against each mutant, which must fail
 * the property named here.
 */
class MutantsAreCaughtTest {

    @Test
    void reference_passesTheWholeContract() {
        Set<String> failed = failedProperties(ReferenceMutant.class);
        assertEquals(Set.of(), failed, "the unbroken reference strategy must pass every property");
    }

    @Test
    void aStrategyDeclaringLessThanItDelivers_passesTheWholeContract() {
        assertEquals(Set.of(), failedProperties(UnderDeclaredMutant.class),
                "a strategy whose data survives a restart without declaring durability must pass by default");
    }

    @Test
    void aStrategyClaimingToDeclareExactlyButDeliveringMore_failsTheRestartProperty() {
        assertCaught(UnderDeclaredButExactMutant.class, "restart_acknowledgedCommandsSurviveOnlyWhereTheStrategyIsDurable");
    }

    @Test
    void forgetfulIds_failFarBackIdempotency() {
        assertCaught(ForgetfulIdsMutant.class, "idempotency_idsDecidedTenThousandCommandsEarlierStillAnswerTheirFirstOutcome");
    }

    @Test
    void atomicityWithoutCrashPoints_failsTheCrashProperty() {
        assertCaught(AtomicWithoutCrashPointsMutant.class, "crash_atEveryCrashPoint_recoveryKeepsTheStrategysPromises");
    }

    @Test
    void callsAfterClose_failTheCloseProperty() {
        assertCaught(WorksAfterCloseMutant.class, "close_everyCallAfterCloseThrowsWalletClosedException");
    }

    @Test
    void readyAfterClose_failsTheCloseProperty() {
        assertCaught(ReadyAfterCloseMutant.class, "close_everyCallAfterCloseThrowsWalletClosedException");
    }

    @Test
    void tornReads_failTheBankProperty() {
        assertCaught(TornReadsMutant.class, "bank_wholeLedgerReadsDuringTransfersSumToZeroWhereReadsAreConsistent");
    }

    @Test
    void forgottenLookups_failTheLookupProperty() {
        assertCaught(LookupForgetsMutant.class, "lookup_answersWhatWasRecordedAndExecutesNothing");
    }

    private static void assertCaught(Class<?> contract, String property) {
        Set<String> failed = failedProperties(contract);
        assertTrue(failed.contains(property), () -> contract.getSimpleName() + " must fail " + property
                + "; the properties that failed: " + failed);
    }

    /**
     * Runs the contract class through jqwik's engine and names the properties that failed, after
     * checking that the run really ran the contract: no container failed and every property of
     * {@link WalletContract} started.
     */
    private static Set<String> failedProperties(Class<?> contract) {
        EngineExecutionResults results = EngineTestKit.engine("jqwik")
                .selectors(DiscoverySelectors.selectClass(contract))
                .execute();
        assertEquals(List.of(), results.containerEvents().failed().list(),
                () -> contract.getSimpleName() + ": a container failed");
        long properties = Arrays.stream(WalletContract.class.getMethods())
                .filter(method -> method.isAnnotationPresent(Property.class) || method.isAnnotationPresent(Example.class))
                .count();
        assertEquals(properties, results.testEvents().started().count(), () -> contract.getSimpleName()
                + ": every property of the contract runs");
        Set<String> names = new TreeSet<>();
        for (Event failure : results.testEvents().failed().list()) {
            failure.getTestDescriptor().getSource()
                    .filter(MethodSource.class::isInstance)
                    .map(source -> ((MethodSource) source).getMethodName())
                    .ifPresent(names::add);
        }
        return names;
    }
}
