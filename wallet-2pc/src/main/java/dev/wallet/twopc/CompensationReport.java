package dev.wallet.twopc;

/**
 * What a TC/C or Saga recovery pass did with the transactions it found unfinished.
 *
 * @param forward     driven forward to completion (confirmed, or credited)
 * @param compensated rolled back (cancelled, or refunded) and marked aborted, so that a repeat runs afresh
 * @param stuck       not finished within the bound on recovery attempts: marked STUCK for a human
 */
public record CompensationReport(int forward, int compensated, int stuck) {
}
