package io.sylvan.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.bench.FleetBench.Case;
import io.sylvan.operator.bench.FleetBench.Outcome;
import io.sylvan.operator.bench.FleetBench.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** bench/fleet (real mode)'s summary: a Markdown table, the targets next to the figures. */
final class FleetBenchTable {

  static final ObjectMapper JSON = new ObjectMapper();

  private FleetBenchTable() {}

  static String table(List<Outcome> all, List<Strategy> strategies) {
    StringBuilder t = new StringBuilder("| measure | target |");
    strategies.forEach(s -> t.append(' ').append(s.label()).append(" |"));
    t.append("\n|---|---|").append("---|".repeat(strategies.size())).append('\n');
    row(
        t,
        all,
        strategies,
        "good commit: spec commit -> every node serves it (median s)",
        "-",
        Case.GOOD,
        os ->
            median(
                os.stream()
                    .filter(o -> o.toAllServe() >= 0)
                    .map(o -> (double) o.toAllServe())
                    .toList()));
    row(
        t,
        all,
        strategies,
        "wave-to-wave latency after minHealthyTime, p50 / p95 (ms)",
        "p95 < 1000",
        Case.GOOD,
        os -> {
          List<Double> w = os.stream().flatMap(o -> o.waveMs().stream()).toList();
          return w.isEmpty()
              ? "-"
              : String.format(
                  Locale.ROOT,
                  "%.0f / %.0f (%d gaps)",
                  FleetSimulation.percentile(w, 50),
                  FleetSimulation.percentile(w, 95),
                  w.size());
        });
    row(
        t,
        all,
        strategies,
        "canary failure -> whole fleet on the previous commit (median s)",
        "< 5",
        Case.FAIL_CANARY,
        FleetBenchTable::backTimes);
    row(
        t,
        all,
        strategies,
        "failure on web-2 -> whole fleet on the previous commit (median s)",
        "-",
        Case.FAIL_SECOND,
        FleetBenchTable::backTimes);
    row(
        t,
        all,
        strategies,
        "failure on web-2: nodes left on the broken commit (per run)",
        "none",
        Case.FAIL_SECOND,
        os ->
            os.stream()
                .map(o -> o.onBroken().isEmpty() ? "none" : String.join(" ", o.onBroken()))
                .collect(Collectors.joining("; ")));
    row(
        t,
        all,
        strategies,
        "failure on web-2: rollout ends",
        "-",
        Case.FAIL_SECOND,
        os -> os.stream().map(Outcome::phase).distinct().collect(Collectors.joining(", ")));
    row(
        t,
        all,
        strategies,
        "requests failed through Nginx, good commit (failed/sent, rate)",
        "0 at >= 100/s",
        Case.GOOD,
        FleetBenchTable::failed);
    row(
        t,
        all,
        strategies,
        "requests failed through Nginx, failing commit(s) (failed/sent, rate)",
        "0 at >= 100/s",
        null,
        FleetBenchTable::failed);
    List<String> notes = all.stream().filter(o -> o.note() != null).map(Outcome::describe).toList();
    if (!notes.isEmpty()) {
      t.append("\nNot settled:\n");
      notes.forEach(n -> t.append("  ").append(n).append('\n'));
    }
    return t.toString();
  }

  /** One row; {@code c} null = every failing case. A strategy with no such rollout shows "-". */
  private static void row(
      StringBuilder t,
      List<Outcome> all,
      List<Strategy> strategies,
      String measure,
      String target,
      Case c,
      Function<List<Outcome>, String> cell) {
    t.append("| ").append(measure).append(" | ").append(target).append(" |");
    for (Strategy s : strategies) {
      List<Outcome> os =
          all.stream()
              .filter(o -> o.strategy().equals(s))
              .filter(o -> c == null ? o.c() != Case.GOOD : o.c() == c)
              .toList();
      t.append(' ').append(os.isEmpty() ? "-" : cell.apply(os)).append(" |");
    }
    t.append('\n');
  }

  private static String backTimes(List<Outcome> os) {
    List<Double> back =
        os.stream()
            .filter(o -> o.failureToBack() >= 0)
            .map(o -> (double) o.failureToBack())
            .toList();
    long never = os.size() - back.size();
    String m = back.isEmpty() ? "" : median(back);
    return never == 0
        ? m
        : (m.isEmpty() ? "" : m + ", ") + "never in " + never + " of " + os.size();
  }

  private static String failed(List<Outcome> os) {
    List<Outcome> loaded = os.stream().filter(o -> o.load() != null).toList();
    if (loaded.isEmpty()) {
      return "no nginx";
    }
    long failed = loaded.stream().mapToLong(o -> o.load().failed()).sum();
    long sent = loaded.stream().mapToLong(o -> o.load().sent()).sum();
    double minRate = loaded.stream().mapToDouble(o -> o.load().rate()).min().orElse(0);
    return String.format(Locale.ROOT, "%d/%d (>= %.0f/s)", failed, sent, minRate);
  }

  private static String median(List<Double> ms) {
    if (ms.isEmpty()) {
      return "-";
    }
    List<Double> s = new ArrayList<>(ms);
    return String.format(Locale.ROOT, "%.1f", FleetSimulation.percentile(s, 50) / 1000);
  }
}
