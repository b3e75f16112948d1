package io.sylvan.operator.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** bench/fleet (real mode)'s options, {@code --name value}, with their defaults. */
final class FleetBenchOptions {

  static final Map<String, String> DEFAULTS =
      Map.of(
          "runs", "1",
          "min-healthy", "3",
          "rate", "120",
          "group", "2",
          "timeout", "300");

  private FleetBenchOptions() {}

  /** The options given over the defaults; an unknown or non-numeric one is an error. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i++) {
      String key = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (key == null || !DEFAULTS.containsKey(key) || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "bench/fleet: expected one of --"
                + String.join(" N, --", DEFAULTS.keySet())
                + " N; got: "
                + args[i]);
      }
      String value = args[++i];
      if (!value.matches("[0-9]+") || Integer.parseInt(value) < 1 && !key.equals("min-healthy")) {
        throw new IllegalArgumentException(
            "bench/fleet: --" + key + " needs a count, got: " + value);
      }
      o.put(key, value);
    }
    if (Integer.parseInt(o.get("group")) > 3) {
      throw new IllegalArgumentException("bench/fleet: --group is at most 3 (three nodes)");
    }
    return o;
  }
}
