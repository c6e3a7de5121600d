package dev.wallet.api;

import java.util.Objects;

/** Checks shared by the command records. */
final class Commands {

    private Commands() {
    }

    static void requireCustomer(String field, AccountId account) {
        Objects.requireNonNull(account, field);
        if (account.isFunding()) {
            throw new InvalidInputException(field, account.value(),
                    "is a funding account, which only deposits and withdrawals use");
        }
    }
}
