package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import java.util.Currency;

/**
 * What the state machine decided; the journal stores events, and applying them in sequence order
 * to an empty {@link LedgerState} rebuilds the ledger exactly. Accounts are referred to by their
 * dense index (the order in which they were opened), which keeps the frequent {@link MoneyMoved}
 * record small.
 */
sealed interface Event permits Event.FundingOpened, Event.AccountOpened, Event.MoneyMoved, Event.CommandRejected {

    /** The funding account of a currency came into being, at {@code index}, before the first account in it. */
    record FundingOpened(int index, Currency currency) implements Event {
    }

    /** A customer account was opened at {@code index}. */
    record AccountOpened(int index, AccountId account, Currency currency) implements Event {
    }

    /**
     * A money command succeeded: {@code amountMinor} moved from account {@code debited} to account
     * {@code credited}. {@code kind} says which command it was ({@link CommandKind}).
     */
    record MoneyMoved(byte kind, long idMsb, long idLsb, int debited, int credited, long amountMinor) implements Event {
    }

    /** A money command was refused with {@code status}; it is kept whole so that its id stays bound to it. */
    record CommandRejected(MoneyCommand command, Status status) implements Event {
    }
}
