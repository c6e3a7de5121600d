package dev.wallet.api.spi;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.Wallet;
import java.util.Currency;
import java.util.Objects;

/**
 * The checks every strategy applies to a money command, in the order {@link dev.wallet.api.Wallet}
 * documents. Split in two so that strategies can check accounts before locking balances.
 */
public final class LedgerRules {

    /**
     * The most money of one currency that may be outstanding in customer accounts: the funding
     * account's balance never goes below minus this (10^18 minor units). It keeps every balance,
     * and every sum of balances, far from {@code long} overflow.
     */
    public static final long MAX_OUTSTANDING_MINOR = 1_000_000_000_000_000_000L;

    private LedgerRules() {
    }

    /**
     * The checks of {@link dev.wallet.api.Wallet#openAccount}'s arguments, before anything changes.
     *
     * @throws NullPointerException  when {@code account} is null
     * @throws InvalidInputException naming {@code account} for a funding account (it exists
     *                               implicitly), or {@code currency} when it is missing or has no
     *                               defined fraction digits
     */
    public static void checkOpenable(AccountId account, Currency currency) {
        Objects.requireNonNull(account, "account");
        if (account.isFunding()) {
            throw new InvalidInputException("account", account.value(), "is a funding account, which exists implicitly");
        }
        Currencies.requireSupported("currency", currency);
    }

    /** The lowest balance an account may reach: zero for customers, minus the outstanding limit for funding accounts. */
    public static long floorMinor(AccountId account) {
        return account.isFunding() ? -MAX_OUTSTANDING_MINOR : 0;
    }

    /**
     * The checks that do not depend on balances.
     *
     * @param debitedCurrency  the currency of the debited account, {@code null} if it does not
     *                         exist (ignored for a funding account, which always exists)
     * @param creditedCurrency likewise for the credited account
     * @return the failure, or {@code null} when the command may go on to {@link #checkDebit}
     */
    public static Status checkAccounts(MoneyCommand command, Currency debitedCurrency, Currency creditedCurrency) {
        AccountId debited = command.debited();
        AccountId credited = command.credited();
        if (debited.equals(credited)) {
            return Status.SAME_ACCOUNT;
        }
        Currency source = debited.isFunding() ? command.amount().currency() : debitedCurrency;
        Currency target = credited.isFunding() ? command.amount().currency() : creditedCurrency;
        if (source == null || target == null) {
            return Status.UNKNOWN_ACCOUNT;
        }
        Currency currency = command.amount().currency();
        if (!source.equals(currency) || !target.equals(currency)) {
            return Status.CURRENCY_MISMATCH;
        }
        return null;
    }

    /**
     * Whether the debited account can give {@code amountMinor}: {@link Status#SUCCESS},
     * {@link Status#INSUFFICIENT_FUNDS} for a customer or {@link Status#LIMIT_EXCEEDED} for a
     * funding account.
     */
    public static Status checkDebit(AccountId debited, long balanceMinor, long amountMinor) {
        if (balanceMinor - amountMinor >= floorMinor(debited)) {
            return Status.SUCCESS;
        }
        return debited.isFunding() ? Status.LIMIT_EXCEEDED : Status.INSUFFICIENT_FUNDS;
    }

    /**
     * A credited balance. Overflow is impossible while the outstanding limit holds, so it signals
     * a broken invariant and throws rather than wrapping around.
     */
    public static long credit(long balanceMinor, long amountMinor) {
        return Math.addExact(balanceMinor, amountMinor);
    }
}
