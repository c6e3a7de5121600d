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
    REPLICATED("replicated");

    private final String label;

    Guarantee(String label) {
        this.label = label;
    }

    /** A short human label, as the README's table prints it. */
    public String label() {
        return label;
    }
}
