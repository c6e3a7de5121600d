package dev.wallet.api.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletMetric;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WalletMeterBinderTest {

    private static final AtomicLong COMMITS = new AtomicLong();
    private static final AtomicLong QUEUED = new AtomicLong();

    /** A wallet that only reports figures. */
    private static final class Reporting implements Wallet {
        @Override
        public OpenResult openAccount(AccountId account, Currency currency) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Outcome execute(MoneyCommand command) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Money> balance(AccountId account) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<TransactionLookup> lookup(TransactionId transactionId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<WalletMetric> metrics() {
            return List.of(WalletMetric.counter("wallet.journal.commits", "commits", "commits", COMMITS::get),
                    WalletMetric.gauge("wallet.writer.queue", "queued", null, QUEUED::get));
        }

        @Override
        public void close() {
        }
    }

    @Test
    void bindsCountersAndGauges_readOnEveryScrape() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new WalletMeterBinder(new Reporting(), Tags.of("strategy", "test")).bindTo(registry);
        COMMITS.set(7);
        QUEUED.set(3);
        assertEquals(7.0, registry.get("wallet.journal.commits").tag("strategy", "test").functionCounter().count());
        assertEquals(3.0, registry.get("wallet.writer.queue").gauge().value());
        COMMITS.set(9);
        assertEquals(9.0, registry.get("wallet.journal.commits").functionCounter().count());
    }

    @Test
    void metricNames_areDottedLowerCase() {
        assertThrows(IllegalArgumentException.class, () -> WalletMetric.counter("Wallet Commits", "x", null, () -> 0));
        assertThrows(IllegalArgumentException.class, () -> WalletMetric.gauge("wallet..queue", "x", null, () -> 0));
        assertEquals("wallet.raft.leader.changes", WalletMetric.counter("wallet.raft.leader.changes", "x", null, () -> 0).name());
    }
}
