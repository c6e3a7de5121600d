package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * The actions of the model-equivalence chain. Each one runs on the wallet and the model, checks
 * that their outcomes agree, then that every balance agrees.
 */
final class ContractActions {

    static final int CHAIN_LENGTH_MAX = 40;

    private ContractActions() {
    }

    static ActionChainArbitrary<ContractRun> chains(Supplier<ContractRun> start) {
        return ActionChain.startWith(start)
                .withAction(2, new OpenAccount())
                .withAction(3, new DepositAction())
                .withAction(2, new WithdrawAction())
                .withAction(6, new TransferAction())
                .withAction(2, new RepeatSamePayload())
                .withAction(1, new RepeatOtherPayload())
                .withAction(2, new AsyncOrBatch())
                .withAction(2, new LookUp())
                .withMaxTransformations(CHAIN_LENGTH_MAX);
    }

    private static Transformer<ContractRun> executing(MoneyCommand command) {
        return Transformer.mutate(describe(command), run -> {
            run.execute(command);
            run.checkBalancesMatchModel();
        });
    }

    static String describe(MoneyCommand command) {
        String id = command.transactionId().toString().substring(0, 8);
        if (command instanceof Transfer t) {
            return "transfer[" + id + "] " + t.amount() + " " + t.source() + " -> " + t.target();
        }
        if (command instanceof Deposit d) {
            return "deposit[" + id + "] " + d.amount() + " -> " + d.account();
        }
        Withdrawal w = (Withdrawal) command;
        return "withdraw[" + id + "] " + w.amount() + " <- " + w.account();
    }

    static final class OpenAccount implements Action.Independent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer() {
            return Combinators.combine(Generators.poolAccounts(), Generators.currencies()).as((account, currency) ->
                    Transformer.mutate("open " + account + " " + currency, run -> {
                        run.open(account, currency);
                        run.checkBalancesMatchModel();
                    }));
        }
    }

    static final class DepositAction implements Action.Dependent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            return commands(state).map(ContractActions::executing);
        }

        Arbitrary<MoneyCommand> commands(ContractRun state) {
            return Generators.poolAccounts().flatMap(account -> Combinators.combine(
                    Generators.transactionIds(), Generators.currencyFor(state.model, account), Generators.depositAmounts())
                    .as((id, currency, amount) -> new Deposit(id, account, Money.of(currency, amount))));
        }
    }

    static final class WithdrawAction implements Action.Dependent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            return commands(state).map(ContractActions::executing);
        }

        Arbitrary<MoneyCommand> commands(ContractRun state) {
            return Generators.poolAccounts().flatMap(account -> Combinators.combine(
                    Generators.transactionIds(), Generators.currencyFor(state.model, account),
                    Generators.amountsAround(state.model.balance(account)))
                    .as((id, currency, amount) -> new Withdrawal(id, account, Money.of(currency, amount))));
        }
    }

    static final class TransferAction implements Action.Dependent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            return commands(state).map(ContractActions::executing);
        }

        Arbitrary<MoneyCommand> commands(ContractRun state) {
            return Generators.poolAccounts().flatMap(source -> Combinators.combine(
                    Generators.transactionIds(),
                    Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(source)), Tuple.of(9, Generators.poolAccounts())),
                    Generators.currencyFor(state.model, source),
                    Generators.amountsAround(state.model.balance(source)))
                    .as((id, target, currency, amount) -> new Transfer(id, source, target, Money.of(currency, amount))));
        }
    }

    /** Repeats an earlier command exactly: a replay of its pinned outcome, no money moves. */
    static final class RepeatSamePayload implements Action.Dependent<ContractRun> {
        @Override
        public boolean precondition(ContractRun state) {
            return !state.history.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            return Arbitraries.of(state.history).map(command ->
                    Transformer.mutate("repeat " + describe(command), run -> {
                        run.execute(command);
                        run.checkBalancesMatchModel();
                    }));
        }
    }

    /** Reuses an earlier id for another payload: a conflict, nothing moves or is recorded. */
    static final class RepeatOtherPayload implements Action.Dependent<ContractRun> {
        @Override
        public boolean precondition(ContractRun state) {
            return !state.history.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            return Combinators.combine(Arbitraries.of(state.history), Arbitraries.integers().between(0, 2))
                    .as(ContractActions::otherPayload)
                    .map(ContractActions::executing);
        }
    }

    /**
     * A few commands through the asynchronous path (all in flight at once) or the batch path,
     * sometimes with a repeat inside; the outcomes must be those of executing them one by one.
     */
    static final class AsyncOrBatch implements Action.Dependent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            Arbitrary<MoneyCommand> commands = Arbitraries.oneOf(
                    new DepositAction().commands(state), new TransferAction().commands(state),
                    new WithdrawAction().commands(state));
            return Combinators.combine(commands.list().ofMinSize(1).ofMaxSize(6), Arbitraries.integers().between(0, 2))
                    .as((list, path) -> {
                        List<MoneyCommand> batch = new ArrayList<>(list);
                        if (path == 2 && batch.size() > 1) {
                            batch.add(batch.get(0));
                        }
                        String what = batch.stream().map(ContractActions::describe).collect(Collectors.joining(", "));
                        return Transformer.mutate((path == 0 ? "async " : "batch ") + "[" + what + "]", run -> {
                            if (path == 0) {
                                run.executeAsyncAll(batch);
                            } else {
                                run.executeBatch(batch);
                            }
                            run.checkBalancesMatchModel();
                        });
                    });
        }
    }

    /**
     * Looks up an id without executing anything: one from the history (decided, with its first
     * outcome, conflicts included: a conflicting repeat records nothing) or one never used.
     */
    static final class LookUp implements Action.Dependent<ContractRun> {
        @Override
        public Arbitrary<Transformer<ContractRun>> transformer(ContractRun state) {
            Arbitrary<TransactionId> ids = state.history.isEmpty() ? Generators.transactionIds()
                    : Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(state.history).map(MoneyCommand::transactionId)),
                            Tuple.of(1, Generators.transactionIds()));
            return ids.map(id -> Transformer.mutate("lookup " + id.toString().substring(0, 8), run -> {
                run.checkLookup(id);
                run.checkBalancesMatchModel();
            }));
        }
    }

    /** A command with the same id as {@code command} and a different payload. */
    static MoneyCommand otherPayload(MoneyCommand command, int variant) {
        TransactionId id = command.transactionId();
        Money amount = command.amount();
        Money otherAmount = Money.of(amount.currency(), amount.minor() == Money.MAX_AMOUNT_MINOR ? 1 : amount.minor() + 1);
        if (command instanceof Transfer t) {
            return switch (variant) {
                case 0 -> new Transfer(id, t.source(), t.target(), otherAmount);
                case 1 -> new Transfer(id, t.source(), nextInPool(t.target()), amount);
                default -> new Deposit(id, t.source(), amount);
            };
        }
        if (command instanceof Deposit d) {
            return switch (variant) {
                case 0 -> new Deposit(id, d.account(), otherAmount);
                case 1 -> new Deposit(id, nextInPool(d.account()), amount);
                default -> new Withdrawal(id, d.account(), amount);
            };
        }
        Withdrawal w = (Withdrawal) command;
        return switch (variant) {
            case 0 -> new Withdrawal(id, w.account(), otherAmount);
            case 1 -> new Withdrawal(id, nextInPool(w.account()), amount);
            default -> new Transfer(id, w.account(), nextInPool(w.account()), amount);
        };
    }

    private static AccountId nextInPool(AccountId account) {
        int index = ContractRun.POOL.indexOf(account);
        return ContractRun.POOL.get((index + 1) % ContractRun.POOL.size());
    }
}
