package io.sylvan.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One PM2 process (one instance of a cluster-mode app) as {@code pm2 jlist} reports it.
 *
 * <p>{@code restartTime} rises on every reload, so it says nothing about crashes: use {@link
 * #status()} and {@link #unstableRestarts()} to detect a crash loop. Measured with pm2 7.0.4: when
 * PM2 gives up after {@code max_restarts} it resets {@code unstable_restarts} to 0 and sets {@code
 * errored}; but if the app has a {@code restart_delay}, it overwrites that with {@code waiting
 * restart} and never restarts again, so a process that stays in {@link Status#WAITING_RESTART}
 * longer than its delay has crashed for good.
 *
 * @param name app name
 * @param pmId PM2's id of this instance
 * @param pid operating-system pid, 0 when not running
 * @param status PM2 status
 * @param restartTime restarts and reloads since the app was started
 * @param unstableRestarts restarts of an instance that lived shorter than {@code min_uptime}
 * @param pmCwd working directory PM2 started the process in; it keeps it across reloads
 * @param execMode {@code cluster_mode} or {@code fork_mode}
 * @param instances configured instance count; 0 when PM2 reports none or a non-number ("max")
 * @param createdAt when PM2 created the process, or {@code null}
 * @param startedAt when the running process of this instance was started ({@code pm_uptime}: set
 *     anew by every restart and reload), or {@code null}
 * @param memoryBytes resident memory
 * @param cpuPercent CPU use in percent of one core
 * @param env only {@code SYLVAN_*}, {@code NODE_ENV} and {@code PORT}: the rest of a process's
 *     environment may hold secrets and is never copied
 */
public record Pm2Process(
    String name,
    int pmId,
    long pid,
    Status status,
    int restartTime,
    int unstableRestarts,
    String pmCwd,
    String execMode,
    int instances,
    Instant createdAt,
    Instant startedAt,
    long memoryBytes,
    double cpuPercent,
    Map<String, String> env) {

  public Pm2Process {
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  /** PM2's process states. */
  public enum Status {
    ONLINE,
    STOPPING,
    STOPPED,
    LAUNCHING,
    ERRORED,
    ONE_LAUNCH_STATUS,
    /** Between a crash and the restart when the app has a restart delay (see above). */
    WAITING_RESTART,
    /** A status this client does not know (a newer PM2). */
    UNKNOWN;

    /** PM2's wording: {@code online}, {@code one-launch-status}, {@code waiting restart}, ... */
    public String wire() {
      String lower = name().toLowerCase(Locale.ROOT);
      return this == WAITING_RESTART ? lower.replace('_', ' ') : lower.replace('_', '-');
    }

    public static Status fromWire(String value) {
      for (Status s : values()) {
        if (s.wire().equalsIgnoreCase(value)) {
          return s;
        }
      }
      return UNKNOWN;
    }
  }

  /** Whether {@code key} may be copied from a process's environment. */
  public static boolean isReportedEnv(String key) {
    return key.startsWith("SYLVAN_") || key.equals("NODE_ENV") || key.equals("PORT");
  }

  /** The processes (instances) of app {@code name}, in jlist order. */
  public static List<Pm2Process> byName(List<Pm2Process> processes, String name) {
    return processes.stream().filter(p -> p.name().equals(name)).toList();
  }

  public boolean online() {
    return status == Status.ONLINE;
  }

  /**
   * Errored, or restarted after living shorter than {@code min_uptime}. A stuck {@code waiting
   * restart} is not included: telling it from a normal delayed restart needs the delay and time.
   */
  public boolean crashing() {
    return status == Status.ERRORED || unstableRestarts > 0;
  }

  /** One element of {@code pm2 jlist}'s array. */
  static Pm2Process fromJson(JsonNode node) {
    JsonNode pm2Env = node.path("pm2_env");
    long createdAtMillis = pm2Env.path("created_at").asLong(0);
    long startedAtMillis = pm2Env.path("pm_uptime").asLong(0);
    return new Pm2Process(
        node.path("name").asText(pm2Env.path("name").asText("")),
        node.path("pm_id").asInt(pm2Env.path("pm_id").asInt(-1)),
        node.path("pid").asLong(0),
        Status.fromWire(pm2Env.path("status").asText("")),
        pm2Env.path("restart_time").asInt(0),
        pm2Env.path("unstable_restarts").asInt(0),
        pm2Env.path("pm_cwd").asText(null),
        pm2Env.path("exec_mode").asText(null),
        pm2Env.path("instances").canConvertToInt() ? pm2Env.path("instances").asInt() : 0,
        createdAtMillis > 0 ? Instant.ofEpochMilli(createdAtMillis) : null,
        startedAtMillis > 0 ? Instant.ofEpochMilli(startedAtMillis) : null,
        node.path("monit").path("memory").asLong(0),
        node.path("monit").path("cpu").asDouble(0),
        reportedEnv(pm2Env));
  }

  /**
   * PM2 keeps the app's variables both in {@code pm2_env.env} and flattened into {@code pm2_env};
   * {@code reload --update-env} updates the flattened copy (and may drop the nested one), which is
   * what the process gets, so it wins.
   */
  private static Map<String, String> reportedEnv(JsonNode pm2Env) {
    Map<String, String> env = new TreeMap<>();
    copyReported(pm2Env.path("env"), env);
    copyReported(pm2Env, env);
    return env;
  }

  private static void copyReported(JsonNode source, Map<String, String> target) {
    if (!source.isObject()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (isReportedEnv(field.getKey()) && field.getValue().isValueNode()) {
        target.put(field.getKey(), field.getValue().asText());
      }
    }
  }
}
