package dev.wallet.twopc;

import dev.wallet.api.Wallet;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The databases of a sharded strategy: they outlive every wallet opened on them. Closing the
 * deployment drops in-memory H2 databases; files and servers stay.
 */
record ShardDeployment(WalletStrategy strategy, ShardConfig config, Function<FaultInjector, Wallet> opener)
        implements Deployment {

    @Override
    public Wallet open(FaultInjector faults) {
        return opener.apply(faults);
    }

    @Override
    public void close() {
        List<String> urls = new ArrayList<>(config.shardUrls());
        urls.add(config.coordinatorUrl());
        for (String url : urls) {
            if (url.startsWith("jdbc:h2:mem:")) {
                try (Connection connection = DriverManager.getConnection(config.effectiveUrl(url), config.user(),
                        config.password()); Statement statement = connection.createStatement()) {
                    statement.execute("SHUTDOWN");
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot drop " + url, e);
                }
            }
        }
    }
}
