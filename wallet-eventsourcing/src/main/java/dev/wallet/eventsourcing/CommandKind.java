package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;

/** The one-byte codes of the money commands in the journal, snapshots and the id index. */
final class CommandKind {

    static final byte TRANSFER = 1;
    static final byte DEPOSIT = 2;
    static final byte WITHDRAWAL = 3;

    private CommandKind() {
    }

    static byte of(MoneyCommand command) {
        if (command instanceof Transfer) {
            return TRANSFER;
        }
        if (command instanceof Deposit) {
            return DEPOSIT;
        }
        if (command instanceof Withdrawal) {
            return WITHDRAWAL;
        }
        throw new IllegalArgumentException("unknown command type " + command.getClass());
    }

    /**
     * Rebuilds a command from its parts: for a deposit, {@code debited} is the funding account and
     * {@code credited} the customer; for a withdrawal the reverse.
     */
    static MoneyCommand rebuild(byte kind, TransactionId id, AccountId debited, AccountId credited, Money amount) {
        return switch (kind) {
            case TRANSFER -> new Transfer(id, debited, credited, amount);
            case DEPOSIT -> new Deposit(id, credited, amount);
            case WITHDRAWAL -> new Withdrawal(id, debited, amount);
            default -> throw new IllegalArgumentException("unknown command kind " + kind);
        };
    }
}
