package dev.wallet.contract.mutants;

import dev.wallet.api.Guarantee;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/** The reference strategy with one thing broken each. */
final class Mutants {

    private Mutants() {
    }

    /** Remembers only the newest 1,000 transaction ids: a repeat of an older one moves money again. */
    static final class ForgetfulIds extends MapStrategy {
        static final int REMEMBERED = 1_000;

        @Override
        Wallet open(Ledger ledger) {
            Deque<TransactionId> order = new ArrayDeque<>();
            return new MapWallet(ledger) {
                @Override
                void remember(MoneyCommand command, Status status) {
                    super.remember(command, status);
                    order.addLast(command.transactionId());
                    if (order.size() > REMEMBERED) {
                        TransactionId forgotten = order.removeFirst();
                        ledger.commands.remove(forgotten);
                        ledger.statuses.remove(forgotten);
                    }
                }
            };
        }
    }

    /** Declares atomicity under a crash but names no crash point, so no crash can be tested. */
    static final class AtomicWithoutCrashPoints extends MapStrategy {
        @Override
        public Set<Guarantee> guarantees() {
            return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.CONSISTENT_READS);
        }

        @Override
        public List<CrashPoint> crashPoints() {
            return List.of();
        }
    }

    /** Keeps taking calls after close. */
    static final class WorksAfterClose extends MapStrategy {
        @Override
        Wallet open(Ledger ledger) {
            return new MapWallet(ledger) {
                @Override
                void checkOpen() {
                }
            };
        }
    }

    /** Says it is ready after it was closed: a health check would keep sending it traffic. */
    static final class ReadyAfterClose extends MapStrategy {
        @Override
        Wallet open(Ledger ledger) {
            return new MapWallet(ledger) {
                @Override
                public dev.wallet.api.Readiness readiness() {
                    return dev.wallet.api.Readiness.ready("always");
                }
            };
        }
    }

    /** Declares consistent reads but moves money in two steps, letting readers in between. */
    static final class TornReads extends MapStrategy {
        @Override
        Wallet open(Ledger ledger) {
            return new MapWallet(ledger) {
                @Override
                void move(dev.wallet.api.AccountId debited, dev.wallet.api.AccountId credited, long amount) {
                    ledger.balances.put(debited, balanceMinor(debited) - amount);
                    // Lets a reader waiting for the lock in between the two legs.
                    try {
                        ledger.wait(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ledger.balances.put(credited, balanceMinor(credited) + amount);
                }
            };
        }
    }

    /** Answers every lookup with "never recorded". */
    static final class LookupForgets extends MapStrategy {
        @Override
        Wallet open(Ledger ledger) {
            return new MapWallet(ledger) {
                @Override
                public java.util.Optional<dev.wallet.api.TransactionLookup> lookup(TransactionId transactionId) {
                    return java.util.Optional.empty();
                }
            };
        }
    }

    /**
     * Not a mutant: an honest strategy that declares less than it delivers. It declares no
     * durability, yet its ledger survives a restart of the whole deployment (kept per directory, as
     * files would be), so the contract cannot show durability broken; by default it must pass.
     */
    static final class UnderDeclared extends MapStrategy {
        private static final java.util.Map<java.nio.file.Path, Ledger> SURVIVING = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public dev.wallet.api.spi.Deployment deploy(java.nio.file.Path directory) {
            Ledger ledger = SURVIVING.computeIfAbsent(directory, path -> new Ledger());
            MapStrategy strategy = this;
            return new dev.wallet.api.spi.Deployment() {
                @Override
                public dev.wallet.api.spi.WalletStrategy strategy() {
                    return strategy;
                }

                @Override
                public Wallet open(dev.wallet.api.spi.FaultInjector faults) {
                    return strategy.open(ledger);
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
