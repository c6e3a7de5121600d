/**
 * For strategy implementers: the partition function every sharded strategy shares and the ledger
 * rules every strategy applies, so that the rules live in one place.
 */
package dev.wallet.api.spi;
