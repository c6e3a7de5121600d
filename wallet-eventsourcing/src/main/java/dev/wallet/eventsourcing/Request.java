package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A unit of work for the writer thread. {@link #run} executes it against the state (deciding and
 * staging events); {@link #complete} hands its result to the caller once everything it staged is
 * durable; {@link #fail} reports that it never will be.
 */
abstract class Request {

    /** Executes against the state on the writer thread; events go to {@code sink}. */
    abstract void run(LedgerState state, Consumer<Event> sink);

    abstract void complete();

    abstract void fail(Throwable error);

    /** Whether the writer runs this only once everything staged before it is committed (it reads durable state only). */
    boolean afterCommit() {
        return false;
    }

    /** One money command. */
    static final class Single extends Request {
        final MoneyCommand command;
        final CompletableFuture<Outcome> future = new CompletableFuture<>();
        private Outcome outcome;

        Single(MoneyCommand command) {
            this.command = command;
        }

        @Override
        void run(LedgerState state, Consumer<Event> sink) {
            outcome = state.process(command, sink);
        }

        @Override
        void complete() {
            future.complete(outcome);
        }

        @Override
        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }

    /** Several money commands, executed in order. */
    static final class Batch extends Request {
        final List<? extends MoneyCommand> commands;
        final CompletableFuture<List<Outcome>> future = new CompletableFuture<>();
        private final List<Outcome> outcomes;

        Batch(List<? extends MoneyCommand> commands) {
            this.commands = commands;
            this.outcomes = new ArrayList<>(commands.size());
        }

        @Override
        void run(LedgerState state, Consumer<Event> sink) {
            for (MoneyCommand command : commands) {
                outcomes.add(state.process(command, sink));
            }
        }

        @Override
        void complete() {
            future.complete(outcomes);
        }

        @Override
        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }

    /** Opens an account. */
    static final class Open extends Request {
        final AccountId account;
        final Currency currency;
        final CompletableFuture<OpenResult> future = new CompletableFuture<>();
        private OpenResult result;

        Open(AccountId account, Currency currency) {
            this.account = account;
            this.currency = currency;
        }

        @Override
        void run(LedgerState state, Consumer<Event> sink) {
            result = state.open(account, currency, sink);
        }

        @Override
        void complete() {
            future.complete(result);
        }

        @Override
        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }

    /** Reads the state in order with the commands; answered once everything before it is durable. */
    static final class Query<T> extends Request {
        final Function<LedgerState, T> read;
        final CompletableFuture<T> future = new CompletableFuture<>();
        private final boolean afterCommit;
        private T result;

        Query(Function<LedgerState, T> read) {
            this(read, false);
        }

        /** With {@code afterCommit}, run on durable state only (see {@link Request#afterCommit}). */
        Query(Function<LedgerState, T> read, boolean afterCommit) {
            this.read = read;
            this.afterCommit = afterCommit;
        }

        @Override
        boolean afterCommit() {
            return afterCommit;
        }

        @Override
        void run(LedgerState state, Consumer<Event> sink) {
            result = read.apply(state);
        }

        @Override
        void complete() {
            future.complete(result);
        }

        @Override
        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }

    /** Asks the writer to finish the queue's current contents and stop. */
    static final class Stop extends Request {
        final CompletableFuture<Void> future = new CompletableFuture<>();

        @Override
        void run(LedgerState state, Consumer<Event> sink) {
        }

        @Override
        void complete() {
            future.complete(null);
        }

        @Override
        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }
}
