package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import java.util.Currency;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/** Arbitraries shared by the contract's properties. */
final class Generators {

    private Generators() {
    }

    /** Fresh, seeded transaction ids (never the nil UUID). */
    static Arbitrary<TransactionId> transactionIds() {
        return Arbitraries.randomValue(random -> TransactionId.of(random.nextLong(), random.nextLong() | 1L));
    }

    static Arbitrary<AccountId> poolAccounts() {
        return Arbitraries.of(ContractRun.POOL);
    }

    /** Mostly USD, so that most accounts share a currency and transfers between them can succeed. */
    static Arbitrary<Currency> currencies() {
        return Arbitraries.frequency(Tuple.of(6, ContractRun.USD), Tuple.of(2, ContractRun.JPY), Tuple.of(1, ContractRun.KWD));
    }

    /** Usually the account's own currency (when the model knows it), sometimes any. */
    static Arbitrary<Currency> currencyFor(ModelWallet model, AccountId account) {
        return model.currencyOf(account)
                .map(own -> Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.just(own)), Tuple.of(1, currencies())))
                .orElse(currencies());
    }

    /** Amounts around {@code balanceMinor}: mostly coverable by it, sometimes more than it. */
    static Arbitrary<Long> amountsAround(long balanceMinor) {
        long covered = Math.max(1, Math.min(balanceMinor, Money.MAX_AMOUNT_MINOR));
        long over = Math.min(Money.MAX_AMOUNT_MINOR, covered + 1 + covered / 2);
        return Arbitraries.frequencyOf(
                Tuple.of(7, Arbitraries.longs().between(1, covered)),
                Tuple.of(2, Arbitraries.longs().between(Math.min(covered + 1, over), over)),
                Tuple.of(1, Arbitraries.longs().between(1, 100)));
    }

    /** Deposit amounts: small, large, now and then the largest a command may move. */
    static Arbitrary<Long> depositAmounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(1, 100_000)),
                Tuple.of(2, Arbitraries.longs().between(100_001, 1_000_000_000L)),
                Tuple.of(1, Arbitraries.just(Money.MAX_AMOUNT_MINOR)));
    }
}
