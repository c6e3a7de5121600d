package dev.wallet.examples;

import dev.wallet.api.Guarantee;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the README's guarantee table from what each strategy on the class path declares; a test
 * checks that the README shows exactly this table.
 */
public final class GuaranteeTable {

    private GuaranteeTable() {
    }

    public static void main(String[] args) {
        System.out.print(markdown(WalletStrategies.all()));
    }

    public static String markdown(List<WalletStrategy> strategies) {
        StringBuilder out = new StringBuilder("| strategy |");
        List<String> separator = new ArrayList<>(List.of("---"));
        for (Guarantee guarantee : Guarantee.values()) {
            out.append(' ').append(guarantee.label()).append(" |");
            separator.add(":---:");
        }
        out.append(" crash points |\n|").append(String.join("|", separator)).append("|---|\n");
        for (WalletStrategy strategy : strategies) {
            out.append("| `").append(strategy.name()).append("` |");
            for (Guarantee guarantee : Guarantee.values()) {
                out.append(strategy.guarantees().contains(guarantee) ? " yes |" : " **no** |");
            }
            out.append(' ').append(strategy.crashPoints().size()).append(" |\n");
        }
        return out.toString();
    }
}
