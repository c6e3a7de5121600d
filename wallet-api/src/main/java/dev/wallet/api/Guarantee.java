package dev.wallet.api;

/** A property a strategy promises; the shared property suite tests each one a strategy declares. */
public enum Guarantee {
    /**
     * A crash at any point of a command leaves it either wholly applied or not at all once the
     * strategy has recovered: money is conserved through crashes.
     */
    ATOMIC_UNDER_CRASH("atomic under crash"),
    /** Every acknowledged command survives a crash and restart of the process (fsync before acknowledging). */
    DURABLE_ACROSS_RESTART("durable across restart"),
    /** Any past balance can be rebuilt from a history, and a full replay equals the live state. */
    REPLAYABLE_HISTORY("replayable history"),
    /** Acknowledged commands are held by a majority of replicas and survive the loss of a minority. */
    REPLICATED("replicated"),
    /**
     * {@link Wallet#balances} reads every account as of one point in the order of commands, so a
     * read of all accounts of a currency (with the money in flight) sums to zero even while
     * transfers run, and shows no balance that never existed.
     */
    CONSISTENT_READS("consistent reads");

    private final String label;

    Guarantee(String label) {
        this.label = label;
    }

    /** A short human label, as the README's table prints it. */
    public String label() {
        return label;
    }
}
