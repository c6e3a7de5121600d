package dev.wallet.server;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.util.Optional;

/**
 * Who may do what, and under which transaction id the wallet records it. An open server
 * ({@link #open()}, loopback only) allows everything and records ids as sent. A secured one
 * ({@link #secured(Registry)}) applies the rules of {@link Principal}: a principal debits only
 * the accounts it owns; deposits, withdrawals and opening accounts for others need
 * {@link Principal.Role#OPERATOR}; balances, history and a transaction's status are read by the
 * owner or {@link Principal.Role#AUDITOR}; ids are scoped per principal ({@link Registry#scoped}).
 * Refusals throw {@link Forbidden}, before anything is executed or recorded.
 */
abstract class Access {

    /** A request the principal may not make: 403, nothing executed, nothing recorded. */
    static final class Forbidden extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Forbidden(String message) {
            super(message, null, false, false);
        }
    }

    static Access open() {
        return new Access() {
            @Override
            MoneyCommand command(Principal principal, MoneyCommand command) {
                return command;
            }

            @Override
            TransactionId scoped(Principal principal, TransactionId clientId) {
                return clientId;
            }

            @Override
            Optional<TransactionId> recorded(Principal principal, TransactionId clientId) {
                return Optional.of(clientId);
            }

            @Override
            void checkRead(Principal principal, AccountId account) {
            }

            @Override
            String ownerOfNew(Principal principal, String requestedOwner) {
                if (requestedOwner != null) {
                    throw new Forbidden("owner is for a server with authentication; this one has none");
                }
                return null;
            }

            @Override
            boolean take(Principal principal, AccountId account, String owner, boolean justOpened) {
                return true;
            }

            @Override
            Optional<String> issuerOf(TransactionId id) {
                return Optional.empty();
            }
        };
    }

    static Access secured(Registry registry) {
        return new Access() {
            @Override
            MoneyCommand command(Principal principal, MoneyCommand command) {
                if (command instanceof Transfer transfer) {
                    checkOwns(principal, transfer.source(), "debit");
                    return new Transfer(scoped(principal, transfer.transactionId()), transfer.source(), transfer.target(),
                            transfer.amount());
                }
                checkOperator(principal, command instanceof Deposit ? "deposit" : "withdraw");
                TransactionId id = scoped(principal, command.transactionId());
                if (command instanceof Deposit deposit) {
                    return new Deposit(id, deposit.account(), deposit.amount());
                }
                Withdrawal withdrawal = (Withdrawal) command;
                return new Withdrawal(id, withdrawal.account(), withdrawal.amount());
            }

            @Override
            TransactionId scoped(Principal principal, TransactionId clientId) {
                return registry.scoped(principal.name(), clientId);
            }

            @Override
            Optional<TransactionId> recorded(Principal principal, TransactionId clientId) {
                return registry.scopedIfKnown(principal.name(), clientId);
            }

            @Override
            void checkRead(Principal principal, AccountId account) {
                if (principal.is(Principal.Role.AUDITOR)) {
                    return;
                }
                checkOwns(principal, account, "read");
            }

            @Override
            String ownerOfNew(Principal principal, String requestedOwner) {
                if (requestedOwner == null || requestedOwner.equals(principal.name())) {
                    return principal.name();
                }
                checkOperator(principal, "open an account for another principal");
                return new Principal(requestedOwner, java.util.Set.of()).name();
            }

            @Override
            boolean take(Principal principal, AccountId account, String owner, boolean justOpened) {
                Optional<String> existing = registry.ownerOf(account);
                if (existing.isPresent()) {
                    return existing.get().equals(owner);
                }
                // An account that existed before without an owner (opened by the library itself, or a
                // crash between opening and recording) is given an owner by an operator only.
                return (justOpened || principal.is(Principal.Role.OPERATOR)) && registry.own(account, owner).equals(owner);
            }

            @Override
            Optional<String> issuerOf(TransactionId id) {
                return registry.issuerOf(id);
            }

            private void checkOwns(Principal principal, AccountId account, String what) {
                if (account.isFunding() || !registry.ownerOf(account).map(principal.name()::equals).orElse(false)) {
                    throw new Forbidden(principal.name() + " may not " + what + " account " + account);
                }
            }

            private void checkOperator(Principal principal, String what) {
                if (!principal.is(Principal.Role.OPERATOR)) {
                    throw new Forbidden("only an operator may " + what);
                }
            }
        };
    }

    /** The command as the wallet executes it (the id scoped), once the principal may issue it. */
    abstract MoneyCommand command(Principal principal, MoneyCommand command);

    /** The id the wallet records for the principal's {@code clientId}. */
    abstract TransactionId scoped(Principal principal, TransactionId clientId);

    /** The id the wallet would have recorded, for a read: empty for a principal never seen (nothing is written). */
    abstract Optional<TransactionId> recorded(Principal principal, TransactionId clientId);

    /** Refuses a read of an account the principal may not see. */
    abstract void checkRead(Principal principal, AccountId account);

    /** Who will own an account the principal opens ({@code requestedOwner} may be null); null in an open server. */
    abstract String ownerOfNew(Principal principal, String requestedOwner);

    /**
     * Records {@code owner} for an account the wallet has opened ({@code justOpened}) or had
     * already; false when it belongs to someone else, or existed without an owner and the caller
     * is no operator.
     */
    abstract boolean take(Principal principal, AccountId account, String owner, boolean justOpened);

    /** The principal who issued a recorded id, where the server scoped it. */
    abstract Optional<String> issuerOf(TransactionId id);
}
