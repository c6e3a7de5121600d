package dev.wallet.api;

/** What {@link Wallet#openAccount} did. Opening is idempotent per account id. */
public enum OpenResult {
    /** The account was created with a zero balance. */
    OPENED,
    /** The account already existed in the same currency; nothing changed. */
    ALREADY_OPEN,
    /** The account already exists in another currency; nothing changed. */
    EXISTS_IN_OTHER_CURRENCY
}
