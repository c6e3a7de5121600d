package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;

/**
 * One movement of money on an account, as the history projection shows it.
 *
 * @param sequence      the journal sequence number of the event
 * @param transactionId the command's id
 * @param kind          {@code transfer}, {@code deposit} or {@code withdrawal}
 * @param counterparty  the other account (the funding account for deposits and withdrawals)
 * @param amount        signed: negative when money left the account
 */
public record HistoryEntry(long sequence, TransactionId transactionId, String kind, AccountId counterparty, Money amount) {
}
