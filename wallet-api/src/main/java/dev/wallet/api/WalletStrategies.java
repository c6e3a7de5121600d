package dev.wallet.api;

import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds the strategies on the class path through {@link ServiceLoader}. */
public final class WalletStrategies {

    private WalletStrategies() {
    }

    /** Every strategy on the class path, by name. */
    public static List<WalletStrategy> all() {
        List<WalletStrategy> strategies = new ArrayList<>();
        ServiceLoader.load(WalletStrategy.class).forEach(strategies::add);
        strategies.sort(Comparator.comparing(WalletStrategy::name));
        return List.copyOf(strategies);
    }

    /**
     * The strategy called {@code name}.
     *
     * @throws IllegalArgumentException naming the strategies that exist when none is called so
     */
    public static WalletStrategy named(String name) {
        List<WalletStrategy> all = all();
        return all.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no wallet strategy named '" + name + "'; available: "
                        + all.stream().map(WalletStrategy::name).collect(Collectors.joining(", "))));
    }
}
