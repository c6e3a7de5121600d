package dev.wallet.twopc;

import dev.wallet.api.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against the Saga over four H2 file shards. */
class SagaContractTest implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return CompensatingWallet.Builder.strategy(CompensatingWallet.Protocol.SAGA, directory -> ShardConfig.h2Files(directory, 4));
    }
}
