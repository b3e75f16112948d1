package io.sylvan.operator.packaging;

import io.sylvan.operator.config.OperatorConfig;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The operator's real configuration keys, for checking the environment variables that packaging
 * files set: every {@code sylvan.*} key derived from {@link OperatorConfig} (method names in
 * kebab-case, as SmallRye Config maps them), the embedded-database keys {@code OperatorMain} reads,
 * and the Quarkus keys the docs tell people to set.
 */
public final class ConfigKeys {

  /** Read directly by {@code OperatorMain} before Quarkus starts, not part of the mapping. */
  static final Set<String> EXTRA_SYLVAN =
      Set.of(
          "sylvan.database.embedded-dir",
          "sylvan.database.embedded-port",
          "sylvan.database.embedded-durable");

  /** The Quarkus keys documented in docs/configuration.md and used by the packaging files. */
  public static final Set<String> QUARKUS =
      Set.of(
          "quarkus.datasource.jdbc.url",
          "quarkus.datasource.username",
          "quarkus.datasource.password",
          "quarkus.datasource.jdbc.max-size",
          "quarkus.http.port",
          "quarkus.http.host",
          "quarkus.log.level",
          "quarkus.scheduler.enabled",
          "quarkus.config.locations");

  private ConfigKeys() {}

  /** Every {@code sylvan.*} key. */
  public static Set<String> sylvan() {
    Set<String> keys = new TreeSet<>(EXTRA_SYLVAN);
    collect(OperatorConfig.class, "sylvan", keys);
    return keys;
  }

  /** The keys of the {@link OperatorConfig} mapping only. */
  public static Set<String> mapped() {
    Set<String> keys = new TreeSet<>();
    collect(OperatorConfig.class, "sylvan", keys);
    return keys;
  }

  /** Environment variable name to configuration key, for every known key. */
  public static TreeMap<String, String> byEnvName() {
    TreeMap<String, String> map = new TreeMap<>();
    for (String key : sylvan()) {
      map.put(envName(key), key);
    }
    for (String key : QUARKUS) {
      map.put(envName(key), key);
    }
    return map;
  }

  /** SmallRye's rule: upper case, every non-alphanumeric character becomes '_'. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  private static void collect(Class<?> type, String prefix, Set<String> keys) {
    for (Method m : type.getDeclaredMethods()) {
      if (m.getParameterCount() != 0 || m.isDefault() || m.isSynthetic()) {
        continue;
      }
      String key = prefix + "." + kebab(m.getName());
      Class<?> result = m.getReturnType();
      if (result.isInterface() && result.getDeclaringClass() == OperatorConfig.class) {
        collect(result, key, keys);
      } else {
        keys.add(key);
      }
    }
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }
}
