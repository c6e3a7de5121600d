package dev.wallet.examples.compare;

import dev.wallet.api.Money;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The comparison's results as a Markdown table (what the console and the README show), CSV (one
 * row per strategy, and one per strategy and crash point) and a chart: an SVG of transfers/s on a
 * logarithmic scale, each bar coloured by the guarantees measured, inside an HTML page that also
 * holds the tables.
 *
 * @param title   a line saying how the figures were made (machine, workload, seed)
 * @param results one per strategy, in the order run
 */
public record ComparisonReport(String title, List<StrategyResult> results) {

    static final String HELD = "#2e7d32";
    static final String NOT_DURABLE = "#ef6c00";
    static final String BROKEN = "#c62828";

    public ComparisonReport {
        results = List.copyOf(results);
    }

    // Text.

    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| strategy | transfers/s | p50 | p99 | money after a crash | acknowledged kept after a crash "
                + "| acknowledged kept after a restart | history replayable |\n");
        out.append("|---|---:|---:|---:|---|---|---|---|\n");
        for (StrategyResult r : results) {
            out.append("| `").append(r.strategy()).append("` | ")
                    .append(String.format(Locale.ROOT, "%,.0f", r.transfersPerSecond())).append(" | ")
                    .append(latency(r.p50Micros())).append(" | ").append(latency(r.p99Micros())).append(" | ")
                    .append(moneyVerdict(r)).append(" | ")
                    .append(r.presentAfterCrash()).append('/').append(r.acknowledgedBeforeCrash()).append(" | ")
                    .append(r.restart().present()).append('/').append(r.restart().acknowledged())
                    .append(r.restart().balancesIntact() ? "" : ", balances lost").append(" | ")
                    .append(r.history().verdict()).append(" |\n");
        }
        return out.toString();
    }

    static String moneyVerdict(StrategyResult r) {
        int points = r.crashes().size();
        if (points == 0) {
            return "no crash points";
        }
        String unreached = r.notReached() == 0 ? "" : ", " + r.notReached() + " not reached";
        long reached = points - r.notReached();
        if (r.atomicUnderCrash()) {
            return "held at " + reached + "/" + points + " crash points" + unreached;
        }
        if (reached == 0) {
            return "not measured: no crash point reached";
        }
        long broken = reached - r.crashPointsHeld();
        return "**broken** at " + broken + "/" + points + " crash points (" + damage(r) + ")" + unreached;
    }

    private static String damage(StrategyResult r) {
        List<String> parts = new ArrayList<>();
        if (r.moneyLostMinor() < 0) {
            parts.add("lost " + Money.of(GuaranteeProbe.USD, -r.moneyLostMinor()));
        }
        if (r.moneyCreatedMinor() > 0) {
            parts.add("created " + Money.of(GuaranteeProbe.USD, r.moneyCreatedMinor()));
        }
        return String.join(", ", parts);
    }

    /** A latency for people: {@code 12.3 us} or {@code 4.5 ms}. */
    public static String latency(double micros) {
        if (Double.isNaN(micros)) {
            return "-";
        }
        return micros >= 1_000 ? String.format(Locale.ROOT, "%,.1f ms", micros / 1_000)
                : String.format(Locale.ROOT, "%,.1f us", micros);
    }

    // CSV.

    public String csv() {
        StringBuilder out = new StringBuilder("strategy,transfers_per_s,p50_us,p99_us,crash_points,crash_points_conserved,"
                + "crash_points_not_reached,money_lost_minor_usd,money_created_minor_usd,acknowledged_before_crash,present_after_crash,acknowledged_before_restart,"
                + "present_after_restart,balances_intact_after_restart,history_offered,history_replayable\n");
        for (StrategyResult r : results) {
            out.append(String.join(",", r.strategy(), String.format(Locale.ROOT, "%.0f", r.transfersPerSecond()),
                    String.format(Locale.ROOT, "%.1f", r.p50Micros()), String.format(Locale.ROOT, "%.1f", r.p99Micros()),
                    Integer.toString(r.crashes().size()), Long.toString(r.crashPointsHeld()), Long.toString(r.notReached()),
                    Long.toString(-r.moneyLostMinor()), Long.toString(r.moneyCreatedMinor()),
                    Integer.toString(r.acknowledgedBeforeCrash()), Integer.toString(r.presentAfterCrash()),
                    Integer.toString(r.restart().acknowledged()), Integer.toString(r.restart().present()),
                    Boolean.toString(r.restart().balancesIntact()), Boolean.toString(r.history().offered()),
                    Boolean.toString(r.history().replayable()))).append('\n');
        }
        return out.toString();
    }

    public String crashesCsv() {
        StringBuilder out = new StringBuilder("strategy,crash_point,reached,conserved,money_gap_minor_usd,acknowledged,present\n");
        for (StrategyResult r : results) {
            for (GuaranteeProbe.CrashResult c : r.crashes()) {
                out.append(String.join(",", r.strategy(), c.point().name(), Boolean.toString(c.reached()),
                        Boolean.toString(c.conserved()), Long.toString(c.gapMinor()), Integer.toString(c.acknowledged()),
                        Integer.toString(c.present()))).append('\n');
            }
        }
        return out.toString();
    }

    // Chart.

    /** A horizontal bar chart of transfers/s, log scale, bars coloured by the measured guarantees. */
    public String svg() {
        int labelWidth = 190;
        int plotWidth = 560;
        int noteWidth = 400;
        int rowHeight = 34;
        int top = 54;
        int width = labelWidth + plotWidth + noteWidth;
        int height = top + rowHeight * results.size() + 58;
        double min = results.stream().mapToDouble(StrategyResult::transfersPerSecond).filter(v -> v > 0).min().orElse(1);
        double max = results.stream().mapToDouble(StrategyResult::transfersPerSecond).max().orElse(10);
        int lowDecade = (int) Math.floor(Math.log10(Math.max(1, min)));
        int highDecade = Math.max(lowDecade + 1, (int) Math.ceil(Math.log10(Math.max(10, max))));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                escape("Transfers per second (log scale) and the guarantees measured")));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"40\" fill=\"#555\" font-size=\"11\">%s</text>%n", escape(title)));
        for (int decade = lowDecade; decade <= highDecade; decade++) {
            double x = labelWidth + plotWidth * (decade - lowDecade) / (double) (highDecade - lowDecade);
            int bottom = top + rowHeight * results.size();
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    x, top - 4, x, bottom));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\" "
                    + "font-size=\"11\">%s</text>%n", x, bottom + 16, decadeLabel(decade)));
        }
        for (int i = 0; i < results.size(); i++) {
            StrategyResult r = results.get(i);
            int y = top + i * rowHeight;
            double value = Math.max(r.transfersPerSecond(), Math.pow(10, lowDecade));
            double length = plotWidth * (Math.log10(value) - lowDecade) / (highDecade - lowDecade);
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    labelWidth - 8, y + 21, escape(r.strategy())));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                    labelWidth, y + 6, Math.max(1, length), rowHeight - 12, colour(r)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>%n",
                    labelWidth + Math.max(1, length) + 6, y + 21, String.format(Locale.ROOT, "%,.0f/s", r.transfersPerSecond())));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s</text>%n",
                    labelWidth + plotWidth + 86, y + 21, colour(r), escape(note(r))));
        }
        int legend = top + rowHeight * results.size() + 36;
        int x = 10;
        for (String[] item : List.of(new String[] {HELD, "money held at every crash point, nothing acknowledged lost"},
                new String[] {NOT_DURABLE, "money held, acknowledged transfers lost"},
                new String[] {BROKEN, "money broken by a crash"})) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    x, legend - 10, item[0]));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", x + 16, legend,
                    escape(item[1])));
            x += 34 + (int) (item[1].length() * 6.4);
        }
        return svg.append("</svg>\n").toString();
    }

    static String colour(StrategyResult r) {
        if (!r.atomicUnderCrash()) {
            return BROKEN;
        }
        return r.durable() ? HELD : NOT_DURABLE;
    }

    private static String note(StrategyResult r) {
        List<String> parts = new ArrayList<>();
        parts.add(r.atomicUnderCrash() ? "crash: money held" : "crash: " + damage(r));
        parts.add(r.durable() ? "durable" : "acks lost");
        if (r.history().replayable()) {
            parts.add("replayable");
        }
        return String.join(" · ", parts);
    }

    private static String decadeLabel(int decade) {
        return switch (decade) {
            case 0 -> "1";
            case 1 -> "10";
            case 2 -> "100";
            case 3 -> "1k";
            case 4 -> "10k";
            case 5 -> "100k";
            case 6 -> "1M";
            case 7 -> "10M";
            default -> "1e" + decade;
        };
    }

    /** A page with the chart inline and the tables. */
    public String html() {
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>wallet: strategies compared</title>\n<style>body{font-family:sans-serif;margin:24px;max-width:1120px}"
                + "table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                + "td.n{text-align:right}</style></head><body>\n<h1>Strategies compared</h1>\n<p>")
                .append(escape(title)).append("</p>\n").append(svg()).append("<h2>Results</h2>\n<table><tr><th>strategy</th>"
                        + "<th>transfers/s</th><th>p50</th><th>p99</th><th>money after a crash</th>"
                        + "<th>acknowledged kept after a crash</th><th>after a restart</th><th>history replayable</th></tr>\n");
        for (StrategyResult r : results) {
            html.append("<tr><td>").append(escape(r.strategy())).append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%,.0f", r.transfersPerSecond())).append("</td><td class=\"n\">")
                    .append(escape(latency(r.p50Micros()))).append("</td><td class=\"n\">").append(escape(latency(r.p99Micros())))
                    .append("</td><td style=\"color:").append(colour(r)).append("\">")
                    .append(escape(moneyVerdict(r).replace("**", ""))).append("</td><td>").append(r.presentAfterCrash())
                    .append('/').append(r.acknowledgedBeforeCrash()).append("</td><td>").append(r.restart().present()).append('/')
                    .append(r.restart().acknowledged()).append("</td><td>").append(escape(r.history().verdict()))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Each crash point</h2>\n<table><tr><th>strategy</th><th>crash point</th><th>money</th>"
                + "<th>acknowledged kept</th></tr>\n");
        for (StrategyResult r : results) {
            for (GuaranteeProbe.CrashResult c : r.crashes()) {
                html.append("<tr><td>").append(escape(r.strategy())).append("</td><td>").append(escape(c.point().name()))
                        .append("</td><td style=\"color:").append(c.conserved() ? HELD : BROKEN).append("\">")
                        .append(escape(c.verdict())).append("</td><td>").append(c.present()).append('/')
                        .append(c.acknowledged()).append("</td></tr>\n");
            }
        }
        return html.append("</table>\n</body></html>\n").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
