/**
 * For strategy implementers and their tests: the strategy SPI ({@link dev.wallet.api.spi.WalletStrategy},
 * {@link dev.wallet.api.spi.Deployment}, {@link dev.wallet.api.spi.Replicas}), the test machinery
 * that crashes a wallet at named points ({@link dev.wallet.api.spi.CrashPoint},
 * {@link dev.wallet.api.spi.FaultInjector}, {@link dev.wallet.api.spi.SimulatedCrashException}),
 * and the partition function and ledger rules every strategy shares, so that the rules live in one
 * place. Applications need only {@link dev.wallet.api} and, to pick a strategy by name,
 * {@code WalletStrategy}.
 */
package dev.wallet.api.spi;
