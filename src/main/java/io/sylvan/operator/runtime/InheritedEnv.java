package io.sylvan.operator.runtime;

import java.util.Collection;
import java.util.Set;

/**
 * The operator's own environment holds its secrets (datasource password, API token, webhook
 * secret). Commands it runs for an app (installs, builds, PM2, which hands its caller's whole
 * environment on to the apps) get only what they need from it: the rest is removed.
 */
public final class InheritedEnv {

  /** Variables passed on as they are. */
  static final Set<String> PASSED_ON =
      Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TMPDIR", "TERM");

  private InheritedEnv() {}

  /** The names to remove from this process's environment. */
  public static String[] toDrop() {
    return toDrop(System.getenv().keySet());
  }

  /** Everything but {@link #PASSED_ON}, locale settings and Node, npm and PM2 settings. */
  static String[] toDrop(Collection<String> inherited) {
    return inherited.stream().filter(k -> !keep(k)).toArray(String[]::new);
  }

  private static boolean keep(String name) {
    return PASSED_ON.contains(name)
        || name.startsWith("LC_")
        || name.startsWith("NODE_")
        || name.startsWith("NPM_CONFIG_")
        || name.startsWith("npm_config_")
        || name.startsWith("PM2_")
        || name.startsWith("GIT_");
  }
}
