package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.internal.IdTable;
import dev.wallet.api.spi.LedgerRules;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Currency;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The wallet as a pure, deterministic state machine: balances by account index and the
 * idempotency index of every transaction id ever decided. {@link #process} validates a command
 * against the current state, emits the event it implies and applies it; {@link #apply} is the
 * only way state changes, so replaying the emitted events from an empty state rebuilds it
 * exactly. No clock, randomness or I/O.
 *
 * <p>Not thread-safe: owned by one writer thread (or one replay).
 */
final class LedgerState {

    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;

    private long sequence;

    private AccountId[] accountIds = new AccountId[1024];
    private int[] accountCurrencies = new int[1024];
    private long[] balances = new long[1024];
    private int accountCount;
    private final AccountIndex indexOf = new AccountIndex();
    private final List<Currency> currencies = new ArrayList<>();
    private final Map<Currency, Integer> currencyIndex = new HashMap<>();
    /** The index of each currency's funding account, by currency index; -1 until it is opened. */
    private int[] fundingByCurrency = new int[8];
    /** One bit per account index, set for funding accounts: small enough to stay in the cache. */
    private long[] fundingBits = new long[16];

    private IdTable ids = new IdTable(1 << 16);
    private byte[][] entryKinds = new byte[1][];
    private byte[][] entryStatuses = new byte[1][];
    private int[][] entryDebited = new int[1][];
    private int[][] entryCredited = new int[1][];
    private long[][] entryAmounts = new long[1][];
    private short[][] entryCurrencies = new short[1][];
    /** Entries whose accounts did not all exist when they were decided, kept whole. */
    private Map<Integer, MoneyCommand> unresolved = new HashMap<>();
    /**
     * Ids decided at or before this sequence are not in the active window above: they are in a
     * sealed window (in memory, being archived) or in the archive. 0 while the window holds every id.
     */
    private long windowStart;
    /** Windows sealed and not yet archived, oldest first; nothing changes in them. */
    private final ArrayDeque<Sealed> sealed = new ArrayDeque<>();
    /** Every id decided at or before {@link #windowStart} and not in a sealed window; null while there is none. */
    private IdArchive archive;

    /** The sequence number of the last event applied; 0 for an empty ledger. */
    long sequence() {
        return sequence;
    }

    // Decisions.

    /**
     * Opens a customer account: emits {@link Event.FundingOpened} the first time a currency is
     * seen, then {@link Event.AccountOpened}; nothing when the account exists.
     */
    OpenResult open(AccountId account, Currency currency, Consumer<Event> sink) {
        int existing = indexOf.get(account);
        if (existing >= 0) {
            return currencyOfAccount(existing).equals(currency) ? OpenResult.ALREADY_OPEN : OpenResult.EXISTS_IN_OTHER_CURRENCY;
        }
        if (fundingIndex(currency) < 0) {
            emit(new Event.FundingOpened(accountCount, currency), sink);
        }
        emit(new Event.AccountOpened(accountCount, account, currency), sink);
        return OpenResult.OPENED;
    }

    /**
     * Decides a money command: a repeat of a known id answers from the index (replay or conflict)
     * and emits nothing; otherwise the command's event is emitted and applied.
     */
    Outcome process(MoneyCommand command, Consumer<Event> sink) {
        UUID uuid = command.transactionId().value();
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        int entry = ids.find(msb, lsb);
        if (entry >= 0) {
            return original(entry, command.transactionId()).equals(command)
                    ? Outcome.replayOf(command.transactionId(), statusOf(entry))
                    : Outcome.of(command.transactionId(), Status.CONFLICT);
        }
        IdArchive.Decided earlier = earlierDecision(msb, lsb);
        if (earlier != null) {
            return originalOf(earlier, command.transactionId()).equals(command)
                    ? Outcome.replayOf(command.transactionId(), Status.fromCode(earlier.status()))
                    : Outcome.of(command.transactionId(), Status.CONFLICT);
        }
        if (!ids.hasRoomForOneMore()) {
            throw new WalletCapacityException("the idempotency index is full (" + ids.size() + " transaction ids); "
                    + "this wallet remembers every id it ever decided and cannot take new ones");
        }
        int debited = indexOfAccount(command.debited());
        int credited = indexOfAccount(command.credited());
        Status status = LedgerRules.checkAccounts(command,
                debited < 0 ? null : currencyOfAccount(debited), credited < 0 ? null : currencyOfAccount(credited));
        long amount = command.amount().minor();
        if (status == null) {
            status = LedgerRules.checkDebit(command.debited(), balances[debited], amount);
        }
        if (status == Status.SUCCESS) {
            emit(new Event.MoneyMoved(CommandKind.of(command), msb, lsb, debited, credited, amount), sink);
        } else {
            emit(new Event.CommandRejected(command, status), sink);
        }
        return Outcome.of(command.transactionId(), status);
    }

    private void emit(Event event, Consumer<Event> sink) {
        sink.accept(event);
        apply(event);
    }

    // The only way state changes.

    /** Applies the next event; its sequence number is {@code sequence() + 1}. */
    void apply(Event event) {
        if (event instanceof Event.MoneyMoved moved) {
            applyMoved(moved);
        } else if (event instanceof Event.CommandRejected rejected) {
            applyRejected(rejected);
        } else if (event instanceof Event.AccountOpened opened) {
            addAccount(opened.index(), opened.account(), opened.currency());
        } else {
            Event.FundingOpened funding = (Event.FundingOpened) event;
            addAccount(funding.index(), AccountId.funding(funding.currency()), funding.currency());
        }
        sequence++;
    }

    private void applyMoved(Event.MoneyMoved moved) {
        int debited = moved.debited();
        int credited = moved.credited();
        if (debited < 0 || debited >= accountCount || credited < 0 || credited >= accountCount) {
            throw new IllegalStateException("event " + (sequence + 1) + " refers to an account that does not exist");
        }
        long amount = moved.amountMinor();
        if (LedgerRules.checkDebit(accountIds[debited], balances[debited], amount) != Status.SUCCESS) {
            throw new IllegalStateException("event " + (sequence + 1) + " overdraws " + accountIds[debited]);
        }
        move(addId(moved.idMsb(), moved.idLsb()), moved.kind(), debited, credited, amount);
    }

    /** Records a successful movement under a new id entry and moves the money. */
    private void move(int entry, byte kind, int debited, int credited, long amount) {
        int chunk = entry >>> CHUNK_BITS;
        int at = entry & CHUNK_MASK;
        entryKinds[chunk][at] = kind;
        entryStatuses[chunk][at] = Status.SUCCESS.code();
        entryDebited[chunk][at] = debited;
        entryCredited[chunk][at] = credited;
        entryAmounts[chunk][at] = amount;
        entryCurrencies[chunk][at] = (short) accountCurrencies[debited];
        balances[debited] -= amount;
        balances[credited] = LedgerRules.credit(balances[credited], amount);
    }

    /**
     * The common case of {@link #process} on resolved parts, without building the command or its
     * event: a new transaction id moving {@code amount} of currency {@code currency} (an index of
     * this state) between two distinct existing accounts of that currency, the debited one able
     * to give it. Then the money moves, exactly as {@code process} would have moved it, and the
     * answer is {@code true}. In every other case nothing changes and the answer is {@code false}:
     * the caller decides the command with {@code process}.
     *
     * @param debited  the debited account's index (the funding account's for a deposit), or -1
     * @param credited the credited account's index (the funding account's for a withdrawal), or -1
     */
    boolean moveIfClear(byte kind, long msb, long lsb, int debited, int credited, long amount, int currency) {
        if (debited < 0 || credited < 0 || debited == credited || currency < 0
                || accountCurrencies[debited] != currency || accountCurrencies[credited] != currency) {
            return false;
        }
        long floor = fundingByCurrency[currency] == debited ? -LedgerRules.MAX_OUTSTANDING_MINOR : 0;
        if (balances[debited] - amount < floor || !ids.hasRoomForOneMore() || mayBeEarlier(msb, lsb)) {
            return false;
        }
        int entry = ids.add(msb, lsb);
        if (entry < 0) {
            return false;
        }
        addColumnsFor(entry);
        move(entry, kind, debited, credited, amount);
        sequence++;
        return true;
    }

    private void applyRejected(Event.CommandRejected rejected) {
        MoneyCommand command = rejected.command();
        UUID uuid = command.transactionId().value();
        int entry = addId(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
        int debited = indexOfAccount(command.debited());
        int credited = indexOfAccount(command.credited());
        int chunk = entry >>> CHUNK_BITS;
        int at = entry & CHUNK_MASK;
        entryKinds[chunk][at] = CommandKind.of(command);
        entryStatuses[chunk][at] = rejected.status().code();
        entryDebited[chunk][at] = debited;
        entryCredited[chunk][at] = credited;
        entryAmounts[chunk][at] = command.amount().minor();
        entryCurrencies[chunk][at] = (short) internCurrency(command.amount().currency());
        if (debited < 0 || credited < 0) {
            unresolved.put(entry, command);
        }
    }

    private int addId(long msb, long lsb) {
        int entry = ids.add(msb, lsb);
        if (entry < 0) {
            throw new IllegalStateException("event " + (sequence + 1) + " decides transaction "
                    + new UUID(msb, lsb) + " a second time");
        }
        addColumnsFor(entry);
        return entry;
    }

    /** Makes room in the columns for a new id entry (the id itself is kept by {@link #ids}). */
    private void addColumnsFor(int entry) {
        int chunk = entry >>> CHUNK_BITS;
        if (chunk == entryKinds.length || entryKinds[chunk] == null) {
            addChunk(chunk);
        }
    }

    private void addChunk(int chunk) {
        if (chunk == entryKinds.length) {
            int length = entryKinds.length * 2;
            entryKinds = Arrays.copyOf(entryKinds, length);
            entryStatuses = Arrays.copyOf(entryStatuses, length);
            entryDebited = Arrays.copyOf(entryDebited, length);
            entryCredited = Arrays.copyOf(entryCredited, length);
            entryAmounts = Arrays.copyOf(entryAmounts, length);
            entryCurrencies = Arrays.copyOf(entryCurrencies, length);
        }
        entryKinds[chunk] = new byte[CHUNK_SIZE];
        entryStatuses[chunk] = new byte[CHUNK_SIZE];
        entryDebited[chunk] = new int[CHUNK_SIZE];
        entryCredited[chunk] = new int[CHUNK_SIZE];
        entryAmounts[chunk] = new long[CHUNK_SIZE];
        entryCurrencies[chunk] = new short[CHUNK_SIZE];
    }

    private void addAccount(int index, AccountId account, Currency currency) {
        if (index != accountCount) {
            throw new IllegalStateException("event " + (sequence + 1) + " opens " + account + " at index " + index
                    + " but the next index is " + accountCount);
        }
        if (indexOf.get(account) >= 0) {
            throw new IllegalStateException("event " + (sequence + 1) + " opens " + account + " a second time");
        }
        boolean fundingFirst = account.isFunding() ? account.equals(AccountId.funding(currency)) : fundingIndex(currency) >= 0;
        if (!fundingFirst) {
            throw new IllegalStateException("event " + (sequence + 1) + " opens " + account
                    + " before the funding account of " + currency);
        }
        if (accountCount == accountIds.length) {
            int length = accountIds.length * 2;
            accountIds = Arrays.copyOf(accountIds, length);
            accountCurrencies = Arrays.copyOf(accountCurrencies, length);
            balances = Arrays.copyOf(balances, length);
        }
        accountIds[index] = account;
        accountCurrencies[index] = internCurrency(currency);
        if (account.isFunding()) {
            fundingByCurrency[accountCurrencies[index]] = index;
            if (index >>> 6 >= fundingBits.length) {
                fundingBits = Arrays.copyOf(fundingBits, Math.max(2 * fundingBits.length, (index >>> 6) + 1));
            }
            fundingBits[index >>> 6] |= 1L << index;
        }
        balances[index] = 0;
        indexOf.put(account, index);
        accountCount++;
    }

    private int internCurrency(Currency currency) {
        Integer index = currencyIndex.get(currency);
        if (index != null) {
            return index;
        }
        if (currencies.size() == Short.MAX_VALUE) {
            throw new IllegalStateException("too many currencies");
        }
        currencies.add(currency);
        currencyIndex.put(currency, currencies.size() - 1);
        if (fundingByCurrency.length < currencies.size()) {
            fundingByCurrency = Arrays.copyOf(fundingByCurrency, 2 * currencies.size());
        }
        fundingByCurrency[currencies.size() - 1] = -1;
        return currencies.size() - 1;
    }

    // Queries.

    private int indexOfAccount(AccountId account) {
        return indexOf.get(account);
    }

    /** The account index, for lookups by an id's bytes; only this state changes it. */
    AccountIndex accountIndex() {
        return indexOf;
    }

    /** The index this state gives a currency, or -1 when it has not seen it yet. */
    int currencyIndexOf(Currency currency) {
        Integer index = currencyIndex.get(currency);
        return index == null ? -1 : index;
    }

    /** The index of the funding account of the currency at {@code currency}, or -1 when it is not open yet. */
    int fundingAccountOf(int currency) {
        return fundingByCurrency[currency];
    }

    /** Whether the account at {@code index} (at most {@link #accountCount()} - 1) is a customer account, not a funding one. */
    boolean isCustomerAccount(int index) {
        int word = index >>> 6;
        return word >= fundingBits.length || (fundingBits[word] & 1L << index) == 0;
    }

    private int fundingIndex(Currency currency) {
        return indexOfAccount(AccountId.funding(currency));
    }

    private Currency currencyOfAccount(int index) {
        return currencies.get(accountCurrencies[index]);
    }

    /** The balance of an account; empty for a customer account never opened. Funding accounts always exist. */
    Optional<Money> balance(AccountId account) {
        int index = indexOfAccount(account);
        if (index >= 0) {
            return Optional.of(Money.of(currencyOfAccount(index), balances[index]));
        }
        return account.isFunding() ? Optional.of(Money.zero(account.fundingCurrency().orElseThrow())) : Optional.empty();
    }

    /** The balances of the accounts that exist, read together (the state changes on one thread only). */
    Map<AccountId, Money> balances(Collection<AccountId> accounts) {
        Map<AccountId, Money> read = new LinkedHashMap<>();
        for (AccountId account : accounts) {
            balance(account).ifPresent(money -> read.put(account, money));
        }
        return read;
    }

    /** The decided status of an id; empty if it was never decided (every command here is decided when processed). */
    Optional<TransactionLookup> lookup(TransactionId id) {
        long msb = id.value().getMostSignificantBits();
        long lsb = id.value().getLeastSignificantBits();
        int entry = ids.find(msb, lsb);
        if (entry >= 0) {
            return Optional.of(TransactionLookup.decided(id, statusOf(entry)));
        }
        IdArchive.Decided earlier = earlierDecision(msb, lsb);
        return earlier == null ? Optional.empty() : Optional.of(TransactionLookup.decided(id, Status.fromCode(earlier.status())));
    }

    // The ids decided before the active window.

    /** What was decided under an id before the active window (sealed windows, then the archive), or null. */
    private IdArchive.Decided earlierDecision(long msb, long lsb) {
        for (Iterator<Sealed> newestFirst = sealed.descendingIterator(); newestFirst.hasNext(); ) {
            Sealed window = newestFirst.next();
            int entry = window.ids.find(msb, lsb);
            if (entry >= 0) {
                return window.decided(entry);
            }
        }
        if (archive != null && archive.mightContain(msb, lsb)) {
            return archive.find(msb, lsb).orElse(null);
        }
        return null;
    }

    /** Whether an id may have been decided before the active window; {@code false} is certain. */
    private boolean mayBeEarlier(long msb, long lsb) {
        if (sealed.isEmpty() && archive == null) {
            return false;
        }
        return earlierDecision(msb, lsb) != null;
    }

    private MoneyCommand originalOf(IdArchive.Decided decided, TransactionId id) {
        if (decided.whole() != null) {
            return decided.whole();
        }
        return CommandKind.rebuild(decided.kind(), id, accountIds[decided.debited()], accountIds[decided.credited()],
                Money.of(currencies.get(decided.currency()), decided.amount()));
    }

    /**
     * Seals the active window: its ids stay readable here, unchanged, until {@link #archived}
     * says the archive holds them; a new, empty window takes the ids decided from now on. Null,
     * and nothing changes, when no event was applied since the last seal.
     */
    Sealed seal() {
        if (sequence == windowStart) {
            return null;
        }
        Sealed window = new Sealed(windowStart, sequence, ids, entryKinds, entryStatuses, entryDebited, entryCredited,
                entryAmounts, entryCurrencies, unresolved);
        sealed.addLast(window);
        windowStart = sequence;
        ids = new IdTable(1 << 16);
        entryKinds = new byte[1][];
        entryStatuses = new byte[1][];
        entryDebited = new int[1][];
        entryCredited = new int[1][];
        entryAmounts = new long[1][];
        entryCurrencies = new short[1][];
        unresolved = new HashMap<>();
        return window;
    }

    /** Lets go of the oldest sealed windows the archive has stored, in order (a window not stored keeps those after it). */
    void dropArchived() {
        while (!sealed.isEmpty() && sealed.peekFirst().isArchived()) {
            sealed.removeFirst();
        }
    }

    /** Lets go of every sealed window: for a replay that needs balances, not ids. */
    void dropSealed() {
        sealed.clear();
    }

    /** From now on, ids decided at or before {@link #windowStart()} and not in a sealed window are looked up in {@code archive}. */
    void attach(IdArchive archive) {
        this.archive = archive;
    }

    /** Ids decided at or before this sequence are not in the active window. */
    long windowStart() {
        return windowStart;
    }

    /** Ids held in memory: the active window and the sealed windows not yet archived. */
    long idsInMemory() {
        long total = ids.size();
        for (Sealed window : sealed) {
            total += window.count();
        }
        return total;
    }

    /**
     * The first id of a window that the archive does not hold as decided (same command, same
     * status), in words, or null when it holds them all; for the audit.
     */
    String differenceFromArchive(Sealed window, IdArchive archive) {
        for (int entry = 0; entry < window.count(); entry++) {
            TransactionId id = TransactionId.of(window.msb(entry), window.lsb(entry));
            Optional<IdArchive.Decided> archived = archive.find(window.msb(entry), window.lsb(entry));
            IdArchive.Decided replayed = window.decided(entry);
            if (archived.isEmpty()) {
                return "the id archive does not hold transaction " + id + ", decided by sequence " + window.lastSequence();
            }
            if (archived.get().status() != replayed.status()
                    || !originalOf(archived.get(), id).equals(originalOf(replayed, id))) {
                return "the id archive holds transaction " + id + " with another command or status than the journal";
            }
        }
        return null;
    }

    /** Ids in the active window. */
    int activeIds() {
        return ids.size();
    }

    /** About the bytes the active window takes as a generation file (commands kept whole are larger). */
    long activeArchiveBytes() {
        return (long) ids.size() * IdArchive.RECORD_BYTES + (long) unresolved.size() * (4 + EventCodec.PAYLOAD_MAX);
    }

    /** Sealed windows waiting for the archive. */
    int sealedWindows() {
        return sealed.size();
    }

    /**
     * The ids decided in a range of the journal, collected from its events (to write a lost
     * generation again): money moved by account number, rejections whole.
     */
    static final class Rebuilt implements IdArchive.Window {
        private final long firstSequence;
        private long lastSequence;
        private final List<Long> msbs = new ArrayList<>();
        private final List<Long> lsbs = new ArrayList<>();
        private final List<IdArchive.Decided> decided = new ArrayList<>();
        private int whole;

        /** The ids decided after {@code firstSequence}; {@link #endAt} says up to where. */
        Rebuilt(long firstSequence) {
            this.firstSequence = firstSequence;
            this.lastSequence = firstSequence;
        }

        /** The window covers the events up to {@code sequence}, inclusive. */
        Rebuilt endAt(long sequence) {
            this.lastSequence = sequence;
            return this;
        }

        /** Adds the id an event decides, if any; {@code state} holds every account the event names. */
        void add(LedgerState state, Event event) {
            if (event instanceof Event.MoneyMoved moved) {
                msbs.add(moved.idMsb());
                lsbs.add(moved.idLsb());
                decided.add(new IdArchive.Decided(moved.kind(), Status.SUCCESS.code(), moved.debited(), moved.credited(),
                        moved.amountMinor(), state.accountCurrencies[moved.debited()], null));
            } else if (event instanceof Event.CommandRejected rejected) {
                MoneyCommand command = rejected.command();
                msbs.add(command.transactionId().value().getMostSignificantBits());
                lsbs.add(command.transactionId().value().getLeastSignificantBits());
                decided.add(new IdArchive.Decided(CommandKind.of(command), rejected.status().code(), -1, -1,
                        command.amount().minor(), 0, command));
                whole++;
            }
        }

        @Override
        public long firstSequence() {
            return firstSequence;
        }

        @Override
        public long lastSequence() {
            return lastSequence;
        }

        @Override
        public int count() {
            return decided.size();
        }

        @Override
        public int wholeCount() {
            return whole;
        }

        @Override
        public long msb(int entry) {
            return msbs.get(entry);
        }

        @Override
        public long lsb(int entry) {
            return lsbs.get(entry);
        }

        @Override
        public IdArchive.Decided decided(int entry) {
            return decided.get(entry);
        }

        @Override
        public void putRecord(int entry, ByteBuffer out) {
            IdArchive.Decided d = decided.get(entry);
            boolean kept = d.whole() != null;
            out.putLong(d.amount()).putInt(kept ? -1 : d.debited()).putInt(kept ? -1 : d.credited())
                    .putShort((short) d.currency()).put(d.kind()).put(d.status());
        }

        @Override
        public MoneyCommand whole(int entry) {
            return decided.get(entry).whole();
        }
    }

    /** A window of ids sealed at {@link #lastSequence()}: read-only from then on, by any thread. */
    static final class Sealed implements IdArchive.Window {
        private final long firstSequence;
        private final long lastSequence;
        private final IdTable ids;
        private final int count;
        private final byte[][] kinds;
        private final byte[][] statuses;
        private final int[][] debited;
        private final int[][] credited;
        private final long[][] amounts;
        private final short[][] currencies;
        private final Map<Integer, MoneyCommand> whole;
        /** Set by the snapshot thread once the archive holds this window; the writer then lets go of it. */
        private volatile boolean archived;

        Sealed(long firstSequence, long lastSequence, IdTable ids, byte[][] kinds, byte[][] statuses, int[][] debited,
               int[][] credited, long[][] amounts, short[][] currencies, Map<Integer, MoneyCommand> whole) {
            this.firstSequence = firstSequence;
            this.lastSequence = lastSequence;
            this.ids = ids;
            this.count = ids.size();
            this.kinds = kinds;
            this.statuses = statuses;
            this.debited = debited;
            this.credited = credited;
            this.amounts = amounts;
            this.currencies = currencies;
            this.whole = whole;
        }

        @Override
        public long firstSequence() {
            return firstSequence;
        }

        @Override
        public long lastSequence() {
            return lastSequence;
        }

        @Override
        public int count() {
            return count;
        }

        void markArchived() {
            archived = true;
        }

        boolean isArchived() {
            return archived;
        }

        @Override
        public int wholeCount() {
            return whole.size();
        }

        @Override
        public long msb(int entry) {
            return ids.msb(entry);
        }

        @Override
        public long lsb(int entry) {
            return ids.lsb(entry);
        }

        @Override
        public IdArchive.Decided decided(int entry) {
            int c = entry >>> CHUNK_BITS;
            int a = entry & CHUNK_MASK;
            return new IdArchive.Decided(kinds[c][a], statuses[c][a], debited[c][a], credited[c][a], amounts[c][a],
                    currencies[c][a] & 0xffff, whole.get(entry));
        }

        @Override
        public long touch(int entry) {
            int c = entry >>> CHUNK_BITS;
            int a = entry & CHUNK_MASK;
            return ids.msb(entry) + ids.lsb(entry) + amounts[c][a] + debited[c][a] + credited[c][a] + currencies[c][a]
                    + kinds[c][a] + statuses[c][a];
        }

        @Override
        public void putRecord(int entry, ByteBuffer out) {
            int c = entry >>> CHUNK_BITS;
            int a = entry & CHUNK_MASK;
            boolean kept = !whole.isEmpty() && whole.containsKey(entry);
            out.putLong(amounts[c][a]).putInt(kept ? -1 : debited[c][a]).putInt(kept ? -1 : credited[c][a])
                    .putShort(currencies[c][a]).put(kinds[c][a]).put(statuses[c][a]);
        }

        @Override
        public MoneyCommand whole(int entry) {
            return whole.get(entry);
        }
    }

    int accountCount() {
        return accountCount;
    }

    AccountId accountAt(int index) {
        return accountIds[index];
    }

    int indexOf(AccountId account) {
        return indexOfAccount(account);
    }

    /**
     * Reads an id's slot (see {@link IdTable#touch}) and its block of the archive's filter, so that
     * deciding it finds both in the cache.
     */
    long touchId(long msb, long lsb) {
        IdArchive current = archive;
        return ids.touch(msb, lsb) + (current == null ? 0 : current.touch(msb, lsb));
    }

    /** Reads the balance and currency of an account (see {@link IdTable#touch}). */
    long touchBalance(int index) {
        return balances[index] + accountCurrencies[index];
    }

    /** Number of transaction ids decided. */
    int idCount() {
        return ids.size();
    }

    private Status statusOf(int entry) {
        return Status.fromCode(entryStatuses[entry >>> CHUNK_BITS][entry & CHUNK_MASK]);
    }

    /** The command first decided under an entry of the id index. */
    private MoneyCommand original(int entry, TransactionId id) {
        MoneyCommand whole = unresolved.get(entry);
        if (whole != null) {
            return whole;
        }
        int chunk = entry >>> CHUNK_BITS;
        int at = entry & CHUNK_MASK;
        Money amount = Money.of(currencies.get(entryCurrencies[chunk][at]), entryAmounts[chunk][at]);
        return CommandKind.rebuild(entryKinds[chunk][at], id, accountIds[entryDebited[chunk][at]],
                accountIds[entryCredited[chunk][at]], amount);
    }

    /** Bytes the id index holds per remembered id, for memory reports. */
    double idIndexBytesPerId() {
        if (ids.size() == 0) {
            return 0;
        }
        long chunks = (ids.size() + CHUNK_SIZE - 1) / CHUNK_SIZE;
        long columnBytes = chunks * CHUNK_SIZE * (1L + 1 + 4 + 4 + 8 + 2);
        return (double) (ids.footprintBytes() + columnBytes) / ids.size();
    }

    // Snapshots and comparison.

    /**
     * An immutable view of this state at its current sequence number, cheap to take (balances are
     * copied; the append-only account and id columns are shared up to their current counts) and
     * safe to read from another thread while the owner goes on applying events.
     */
    Frozen freeze() {
        return new Frozen(sequence, windowStart, accountCount, accountIds, Arrays.copyOf(accountCurrencies, accountCount),
                Arrays.copyOf(balances, accountCount), List.copyOf(currencies), ids.size(),
                ids.freeze(), entryKinds.clone(), entryStatuses.clone(), entryDebited.clone(),
                entryCredited.clone(), entryAmounts.clone(), entryCurrencies.clone(), Map.copyOf(unresolved));
    }

    /**
     * The state at one sequence number.
     *
     * <p>Snapshot file layout (little-endian), checksummed as a whole:
     * <pre>
     * int32  magic 0x504E5357 ("WSNP" read as little-endian bytes)
     * int32  format version (2)
     * int64  sequence number of the last event the snapshot covers
     * int64  window start: the ids decided at or before it are not below but in the id archive
     *        ({@link IdArchive}); 0 when every id is below
     * int32  currency count C, then C x 3 bytes ISO 4217 code, in order of first use
     * int32  account count A, then A x [uint8 id length n, n bytes id, uint16 currency index, int64 balance]
     * int32  id entry count E, then the id index column by column, each in entry order:
     *        E x int64 id msb, E x int64 id lsb, E x uint8 kind, E x uint8 status,
     *        E x int32 debited index, E x int32 credited index, E x int64 amount,
     *        E x uint16 currency index
     * int32  whole-command count U, then U x [int32 entry, command as in {@link EventCodec}]
     * int32  CRC32C of every byte above
     * </pre>
     */
    record Frozen(long sequence, long windowStart, int accountCount, AccountId[] accountIds, int[] accountCurrencies, long[] balances,
                  List<Currency> currencies, int entryCount, IdTable.Ids transactionIds, byte[][] kinds,
                  byte[][] statuses, int[][] debited, int[][] credited, long[][] amounts, short[][] entryCurrencies,
                  Map<Integer, MoneyCommand> unresolved) {

        static final int MAGIC = 0x504E5357;
        static final int VERSION = 2;

        void writeTo(BlockIo.Writer out) throws IOException {
            out.reserve(28).putInt(MAGIC).putInt(VERSION).putLong(sequence).putLong(windowStart).putInt(currencies.size());
            for (Currency currency : currencies) {
                String code = currency.getCurrencyCode();
                out.reserve(3).put((byte) code.charAt(0)).put((byte) code.charAt(1)).put((byte) code.charAt(2));
            }
            out.reserve(4).putInt(accountCount);
            for (int i = 0; i < accountCount; i++) {
                String id = accountIds[i].value();
                ByteBuffer buffer = out.reserve(1 + id.length() + 2 + 8);
                buffer.put((byte) id.length());
                for (int c = 0; c < id.length(); c++) {
                    buffer.put((byte) id.charAt(c));
                }
                buffer.putShort((short) accountCurrencies[i]).putLong(balances[i]);
            }
            out.reserve(4).putInt(entryCount);
            long[] halves = new long[Math.min(CHUNK_SIZE, entryCount)];
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                int count = Math.min(CHUNK_SIZE, entryCount - from);
                transactionIds.copyMsbs(from, halves, count);
                out.putLongs(halves, 0, count);
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                int count = Math.min(CHUNK_SIZE, entryCount - from);
                transactionIds.copyLsbs(from, halves, count);
                out.putLongs(halves, 0, count);
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putBytes(kinds[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putBytes(statuses[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putInts(debited[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putInts(credited[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putLongs(amounts[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            for (int from = 0; from < entryCount; from += CHUNK_SIZE) {
                out.putShorts(entryCurrencies[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entryCount - from));
            }
            List<Integer> entries = new ArrayList<>(unresolved.keySet());
            entries.sort(null);
            out.reserve(4).putInt(entries.size());
            for (int entry : entries) {
                EventCodec.encodeCommand(unresolved.get(entry), out.reserve(4 + EventCodec.PAYLOAD_MAX).putInt(entry));
            }
            out.finishWithChecksum();
        }

        /**
         * A SHA-256 digest of everything this view holds (sequence, accounts, balances and the
         * idempotency index): two replicas that applied the same commands have the same digest.
         */
        byte[] digest() {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
            ByteBuffer buffer = ByteBuffer.allocate(1 + AccountId.LENGTH_MAX + 64);
            buffer.putLong(sequence).putLong(windowStart).putInt(accountCount).putInt(entryCount);
            for (Currency currency : currencies) {
                buffer.put(currency.getCurrencyCode().getBytes(StandardCharsets.US_ASCII));
            }
            sha.update(buffer.flip());
            for (int i = 0; i < accountCount; i++) {
                buffer.clear();
                EventCodec.putAscii(accountIds[i].value(), buffer);
                buffer.putInt(accountCurrencies[i]).putLong(balances[i]);
                sha.update(buffer.flip());
            }
            for (int entry = 0; entry < entryCount; entry++) {
                int c = entry >>> CHUNK_BITS;
                int a = entry & CHUNK_MASK;
                buffer.clear();
                buffer.putLong(transactionIds.msb(entry)).putLong(transactionIds.lsb(entry)).put(kinds[c][a]).put(statuses[c][a])
                        .putInt(debited[c][a]).putInt(credited[c][a]).putLong(amounts[c][a]).putShort(entryCurrencies[c][a]);
                sha.update(buffer.flip());
            }
            List<Integer> kept = new ArrayList<>(unresolved.keySet());
            kept.sort(null);
            for (int entry : kept) {
                sha.update(unresolved.get(entry).toString().getBytes(StandardCharsets.UTF_8));
            }
            return sha.digest();
        }

        /** The first difference from another view, in words, or {@code null} when they are equal. */
        String firstDifference(Frozen other) {
            if (sequence != other.sequence) {
                return "sequence " + sequence + " vs " + other.sequence;
            }
            if (windowStart != other.windowStart) {
                return "ids in memory from sequence " + windowStart + " vs " + other.windowStart;
            }
            if (!currencies.equals(other.currencies)) {
                return "currencies " + currencies + " vs " + other.currencies;
            }
            for (int i = 0; i < Math.min(accountCount, other.accountCount); i++) {
                if (!accountIds[i].equals(other.accountIds[i]) || accountCurrencies[i] != other.accountCurrencies[i]) {
                    return "account " + i + ": " + accountIds[i] + " vs " + other.accountIds[i];
                }
                if (balances[i] != other.balances[i]) {
                    return "balance of " + accountIds[i] + ": " + balances[i] + " vs " + other.balances[i];
                }
            }
            if (accountCount != other.accountCount) {
                return "account count " + accountCount + " vs " + other.accountCount;
            }
            for (int entry = 0; entry < Math.min(entryCount, other.entryCount); entry++) {
                int c = entry >>> CHUNK_BITS;
                int a = entry & CHUNK_MASK;
                boolean same = transactionIds.msb(entry) == other.transactionIds.msb(entry)
                        && transactionIds.lsb(entry) == other.transactionIds.lsb(entry)
                        && kinds[c][a] == other.kinds[c][a] && statuses[c][a] == other.statuses[c][a]
                        && debited[c][a] == other.debited[c][a] && credited[c][a] == other.credited[c][a]
                        && amounts[c][a] == other.amounts[c][a] && entryCurrencies[c][a] == other.entryCurrencies[c][a];
                if (!same) {
                    return "id entry " + entry + " (transaction " + new UUID(transactionIds.msb(entry),
                            transactionIds.lsb(entry)) + ") differs";
                }
            }
            if (entryCount != other.entryCount) {
                return "id count " + entryCount + " vs " + other.entryCount;
            }
            if (!unresolved.equals(other.unresolved)) {
                return "commands kept whole differ";
            }
            return null;
        }
    }

    /**
     * Reads a snapshot written by {@link Frozen#writeTo}.
     *
     * @throws IllegalStateException when the checksum does not match or the content is not valid
     */
    static LedgerState readFrom(BlockIo.Reader in) throws IOException {
        LedgerState state = new LedgerState();
        ByteBuffer header = in.need(28);
        int magic = header.getInt();
        int version = header.getInt();
        if (magic != Frozen.MAGIC || version != Frozen.VERSION) {
            throw new IllegalStateException(String.format("not a snapshot (magic 0x%08x, version %d)", magic, version));
        }
        long sequence = header.getLong();
        long windowStart = header.getLong();
        if (windowStart < 0 || windowStart > sequence) {
            throw new IllegalStateException("snapshot's window starts at " + windowStart + ", after its sequence " + sequence);
        }
        state.windowStart = windowStart;
        int currencyCount = fitting(header.getInt(), 3, in);
        for (int i = 0; i < currencyCount; i++) {
            byte[] code = new byte[3];
            in.need(3).get(code);
            state.internCurrency(Currencies.parse("currency",
                    new String(code, StandardCharsets.US_ASCII)));
        }
        int accounts = fitting(in.need(4).getInt(), 11, in);
        for (int i = 0; i < accounts; i++) {
            int length = in.need(1).get() & 0xff;
            byte[] id = new byte[length];
            ByteBuffer buffer = in.need(length + 10);
            buffer.get(id);
            String text = new String(id, StandardCharsets.US_ASCII);
            Currency currency = state.currencies.get(buffer.getShort() & 0xffff);
            long balance = buffer.getLong();
            state.restoreAccount(new AccountId(text), currency, balance);
        }
        int entries = fitting(in.need(4).getInt(), 36, in);
        state.restoreEntries(in, entries);
        int whole = fitting(in.need(4).getInt(), 33, in);
        for (int i = 0; i < whole; i++) {
            int entry = in.need(4).getInt();
            state.unresolved.put(entry, readCommand(in));
        }
        if (!in.checksumMatches()) {
            throw new IllegalStateException("snapshot checksum does not match");
        }
        state.sequence = sequence;
        return state;
    }

    /**
     * A count read from a snapshot, checked against the bytes left, so that a damaged count is
     * reported instead of allocating without bound.
     */
    private static int fitting(int count, int bytesEach, BlockIo.Reader in) {
        if (count < 0 || (long) count * bytesEach > in.remaining()) {
            throw new IllegalStateException("snapshot is damaged at byte " + in.offset() + ": a count of " + count
                    + " does not fit in the " + in.remaining() + " bytes left");
        }
        return count;
    }

    /** Reads one command in {@link EventCodec}'s encoding, whose length is known only as it is read. */
    private static MoneyCommand readCommand(BlockIo.Reader in) throws IOException {
        ByteBuffer command = ByteBuffer.allocate(EventCodec.PAYLOAD_MAX).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer fixed = in.need(29);
        command.put(fixed.slice().limit(29));
        fixed.position(fixed.position() + 29);
        int first = command.get(28) & 0xff;
        ByteBuffer rest = in.need(first + 1);
        command.put(rest.slice().limit(first + 1));
        rest.position(rest.position() + first + 1);
        int second = command.get(29 + first) & 0xff;
        ByteBuffer last = in.need(second);
        command.put(last.slice().limit(second));
        last.position(last.position() + second);
        return EventCodec.decodeCommand(command.flip());
    }

    /** Reads the id index's columns in bulk, then rebuilds its hash table (sized once, never grown). */
    private void restoreEntries(BlockIo.Reader in, int entries) throws IOException {
        if (entries < 0) {
            throw new IllegalStateException("negative id count " + entries);
        }
        int chunks = (entries + CHUNK_SIZE - 1) / CHUNK_SIZE;
        for (int chunk = 0; chunk < chunks; chunk++) {
            addChunk(chunk);
        }
        long[][] msbs = new long[chunks][];
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            msbs[from >>> CHUNK_BITS] = new long[Math.min(CHUNK_SIZE, entries - from)];
            in.getLongs(msbs[from >>> CHUNK_BITS], 0, msbs[from >>> CHUNK_BITS].length);
        }
        ids = new IdTable(entries);
        long[] lsbs = new long[Math.min(CHUNK_SIZE, entries)];
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            long[] chunkMsbs = msbs[from >>> CHUNK_BITS];
            in.getLongs(lsbs, 0, chunkMsbs.length);
            for (int at = 0; at < chunkMsbs.length; at++) {
                if (ids.add(chunkMsbs[at], lsbs[at]) != from + at) {
                    throw new IllegalStateException("snapshot holds transaction " + new UUID(chunkMsbs[at], lsbs[at]) + " twice");
                }
            }
            msbs[from >>> CHUNK_BITS] = null;
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getBytes(entryKinds[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getBytes(entryStatuses[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getInts(entryDebited[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getInts(entryCredited[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getLongs(entryAmounts[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
        for (int from = 0; from < entries; from += CHUNK_SIZE) {
            in.getShorts(entryCurrencies[from >>> CHUNK_BITS], 0, Math.min(CHUNK_SIZE, entries - from));
        }
    }

    private void restoreAccount(AccountId account, Currency currency, long balance) {
        addAccount(accountCount, account, currency);
        balances[accountCount - 1] = balance;
    }
}
