package dev.wallet.server;

/**
 * A request without a valid credential: answered 401 with {@code WWW-Authenticate}. The message
 * says what was wrong in general terms ("expired", "unknown key") and never repeats the credential.
 */
final class Unauthenticated extends Exception {
    private static final long serialVersionUID = 1L;

    /** The {@code error} of RFC 6750: {@code invalid_request} without a credential, {@code invalid_token} with a bad one. */
    final String error;

    Unauthenticated(String error, String message) {
        super(message, null, false, false);
        this.error = error;
    }
}
