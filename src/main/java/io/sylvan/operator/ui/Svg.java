package io.sylvan.operator.ui;

import io.sylvan.operator.api.DeploymentView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The dashboard's two charts, drawn on the server as SVG so they need no script: a timeline of step
 * durations per deployment and the health results over time. Every text is escaped; each chart has
 * a title and per-element titles for screen readers and hovering.
 */
final class Svg {

  private static final int WIDTH = 720;
  private static final int LABEL = 150;
  private static final int ROW = 22;
  private static final String[] PALETTE = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
    "#ff9da7", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
    "#9467bd", "#2ca02c"
  };

  private Svg() {}

  /**
   * One bar per deployment (newest on top) made of its steps end to end, each step a colour of its
   * own (the legend names them), so a slow build or a long reload stands out.
   */
  static String timeline(List<DeploymentView> deployments) {
    if (deployments.isEmpty()) {
      return "";
    }
    Map<String, String> colours = new LinkedHashMap<>();
    long longest = 1;
    for (DeploymentView d : deployments) {
      long total = 0;
      for (DeploymentView.Step s : steps(d)) {
        colours.computeIfAbsent(s.name(), n -> PALETTE[colours.size() % PALETTE.length]);
        total += s.duration() == null ? 0 : s.duration();
      }
      longest = Math.max(longest, total);
    }
    int legendRows = (colours.size() + 2) / 3;
    int height = deployments.size() * ROW + 24 + legendRows * 18;
    StringBuilder b = open(height, "Step durations of the last deployments");
    double scale = (WIDTH - LABEL - 70) / (double) longest;
    int y = 4;
    for (DeploymentView d : deployments) {
      text(b, 4, y + 14, "#" + d.id() + " " + shortSha(d.gitCommit()), "start");
      double x = LABEL;
      long total = 0;
      for (DeploymentView.Step s : steps(d)) {
        long ms = s.duration() == null ? 0 : s.duration();
        double w = Math.max(ms * scale, ms > 0 ? 1 : 0);
        b.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"><title>%s</title></rect>",
                x,
                y,
                w,
                colours.get(s.name()),
                esc(s.name() + ": " + Fmt.duration(ms) + " (" + s.status().wire() + ")")));
        x += w;
        total += ms;
      }
      text(b, (int) x + 4, y + 13, Fmt.duration(total), "start");
      y += ROW;
    }
    y += 10;
    int i = 0;
    for (Map.Entry<String, String> c : colours.entrySet()) {
      int col = i % 3;
      int lx = 4 + col * (WIDTH / 3);
      int ly = y + (i / 3) * 18;
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>",
              lx,
              ly,
              c.getValue()));
      text(b, lx + 14, ly + 9, c.getKey(), "start");
      i++;
    }
    return b.append("</svg>").toString();
  }

  /**
   * Response time, memory and CPU of the health results, oldest left: three small line charts
   * sharing the time axis, each scaled to its own maximum (written beside it).
   */
  static String health(List<DeploymentView.HealthCheck> checks) {
    List<DeploymentView.HealthCheck> measured =
        checks.stream().filter(c -> c.metrics() != null).toList();
    if (measured.isEmpty()) {
      return "";
    }
    int band = 60;
    StringBuilder b = open(3 * (band + 14) + 8, "Health results over time");
    int y = 4;
    y =
        series(
            b,
            y,
            band,
            "response time",
            measured,
            c ->
                c.metrics().responseTime() == null
                    ? null
                    : c.metrics().responseTime().doubleValue(),
            v -> Fmt.duration(Math.round(v)));
    y =
        series(
            b,
            y,
            band,
            "memory",
            measured,
            c -> c.metrics().memoryUsage() == null ? null : c.metrics().memoryUsage().doubleValue(),
            v -> Math.round(v) + " MB");
    series(
        b,
        y,
        band,
        "CPU",
        measured,
        c -> c.metrics().cpuUsage(),
        v -> String.format(Locale.ROOT, "%.1f %%", v));
    return b.append("</svg>").toString();
  }

  private static int series(
      StringBuilder b,
      int y,
      int band,
      String name,
      List<DeploymentView.HealthCheck> checks,
      Function<DeploymentView.HealthCheck, Double> value,
      Function<Double, String> shown) {
    double max = 0;
    for (DeploymentView.HealthCheck c : checks) {
      Double v = value.apply(c);
      max = v == null ? max : Math.max(max, v);
    }
    text(b, 4, y + 12, name, "start");
    text(b, 4, y + 28, "max " + (max > 0 ? shown.apply(max) : "-"), "start");
    b.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>",
            LABEL,
            y + band,
            WIDTH - 4,
            y + band));
    double step = checks.size() > 1 ? (WIDTH - LABEL - 8) / (double) (checks.size() - 1) : 0;
    List<String> points = new ArrayList<>();
    for (int i = 0; i < checks.size(); i++) {
      Double v = value.apply(checks.get(i));
      if (v == null) {
        continue;
      }
      double px = LABEL + i * step;
      double py = y + band - (max > 0 ? v / max * (band - 4) : 0);
      points.add(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
      b.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#4e79a7\"><title>%s</title></circle>",
              px,
              py,
              esc(Fmt.time(checks.get(i).timestamp()) + ": " + shown.apply(v))));
    }
    if (points.size() > 1) {
      b.append("<polyline fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"1.5\" points=\"")
          .append(String.join(" ", points))
          .append("\"/>");
    }
    return y + band + 14;
  }

  private static List<DeploymentView.Step> steps(DeploymentView d) {
    return d.steps() == null ? List.of() : d.steps();
  }

  private static StringBuilder open(int height, String title) {
    return new StringBuilder()
        .append(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\""
                    + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">",
                WIDTH,
                height,
                WIDTH,
                height))
        .append("<title>")
        .append(esc(title))
        .append("</title>");
  }

  private static void text(StringBuilder b, int x, int y, String text, String anchor) {
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">%s</text>",
            x,
            y,
            anchor,
            esc(text)));
  }

  private static String shortSha(String sha) {
    return sha == null ? "-" : sha.substring(0, Math.min(7, sha.length()));
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
