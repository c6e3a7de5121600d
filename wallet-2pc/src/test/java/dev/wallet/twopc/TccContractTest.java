package dev.wallet.twopc;

import dev.wallet.api.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against TC/C over four H2 file shards. */
class TccContractTest implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return CompensatingWallet.Builder.strategy(CompensatingWallet.Protocol.TCC, directory -> ShardConfig.h2Files(directory, 4));
    }
}
