package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecDefaults.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The schema of {@code apiVersion: sylvan.io/v1} / {@code kind: AppDeployment}: which keys each
 * section has, the defaults of {@link SpecDefaults}, and the rules across fields (ports, one of
 * script or ecosystem, an optional migrate section). Single values are checked by {@link
 * SpecValues}; reading them is {@link YamlSection}'s. One instance per file.
 */
final class AppDeploymentSchema {

  /** Ports below this one need root (or a capability) to bind. */
  static final int FIRST_UNPRIVILEGED_PORT = 1024;

  /** The least of a duration that only needs to be positive ("must be greater than 0"). */
  private static final Duration POSITIVE = Duration.ofMillis(1);

  private final YamlBinder binder;
  private final Map<Integer, String> reservedPorts;
  private String environment;
  private Mark environmentMark;

  AppDeploymentSchema(YamlBinder binder, Map<Integer, String> reservedPorts) {
    this.binder = binder;
    this.reservedPorts = reservedPorts;
  }

  /** {@code metadata.environment} as the file gives it, even when invalid; null if absent. */
  String environment() {
    return environment;
  }

  /** Where {@code metadata.environment} stands; null when absent. */
  Mark environmentMark() {
    return environmentMark;
  }

  /** The spec in {@code root}; null when the file has errors. */
  DeploySpec bind(Node root) {
    YamlSection top =
        binder.root(
            root,
            "an AppDeployment spec",
            "a mapping with apiVersion, kind, metadata and spec",
            "apiVersion",
            "kind",
            "metadata",
            "spec");
    if (top == null) {
      return null;
    }
    String apiVersion =
        top.string("apiVersion", true, null, v -> SpecValues.expect(v, DeploySpec.API_VERSION));
    String kind = top.string("kind", true, null, v -> SpecValues.expect(v, DeploySpec.KIND));
    DeploySpec.Metadata metadata = metadata(top.section("metadata", true, "name", "environment"));
    DeploySpec.Spec spec =
        spec(
            top.section(
                "spec",
                true,
                "source",
                "target",
                "process",
                "build",
                "migrate",
                "env",
                "healthCheck",
                "backup",
                "releases",
                "rollback",
                "reconcile",
                "placement",
                "rollout"));
    if (binder.hasErrors()) {
      return null;
    }
    return new DeploySpec(apiVersion, kind, metadata, spec, binder.file());
  }

  private DeploySpec.Metadata metadata(YamlSection s) {
    String name = s.string("name", false, NAME, SpecValues::appName);
    Node envNode = s.node("environment");
    if (envNode instanceof ScalarNode scalar && !scalar.getValue().isEmpty()) {
      environment = scalar.getValue();
      environmentMark = scalar.getStartMark();
    }
    String env = s.string("environment", true, null, v -> SpecValues.environment(v, binder.file()));
    return new DeploySpec.Metadata(name, env);
  }

  private DeploySpec.Spec spec(YamlSection s) {
    DeploySpec.Target target = target(s.section("target", true, "root"));
    FleetSchema fleet = new FleetSchema(binder, this::checkPort);
    return new DeploySpec.Spec(
        source(s.section("source", true, "repository", "commit")),
        target,
        process(
            s.section(
                "process", false, "instances", "port", "maxMemoryRestart", "script", "ecosystem")),
        build(s.section("build", false, "install", "command", "timeout", "cache")),
        migrate(s.section("migrate", false, "command", "backupCommand", "timeout")),
        env(s.section("env", false, "file", "encryptedFile", "required")),
        healthCheck(
            s.section(
                "healthCheck",
                false,
                "path",
                "timeout",
                "retries",
                "interval",
                "maxResponseTime",
                "maxMemoryPercent",
                "maxCpuPercent",
                "expectCommit",
                "criticalPaths",
                "preview")),
        backup(s.section("backup", false, "enabled", "keep")),
        releases(s.section("releases", false, "keep")),
        rollback(s.section("rollback", false, "automatic")),
        reconcile(s.section("reconcile", false, "interval", "suspend", "mode")),
        fleet.placement(s.section("placement", false, "nodes", "nodeSelector"), target.root()),
        fleet.rollout(
            s.section(
                "rollout",
                false,
                "canary",
                "maxParallel",
                "minHealthyTime",
                "progressDeadline",
                "maxFailures",
                "autoRevert")));
  }

  private DeploySpec.Source source(YamlSection s) {
    String repository = s.string("repository", true, null, SpecValues::repository);
    String commit = s.string("commit", true, null, SpecValues::commit);
    return new DeploySpec.Source(repository, commit);
  }

  private DeploySpec.Target target(YamlSection s) {
    Path root = s.value("root", true, null, SpecValues::root);
    return new DeploySpec.Target(root);
  }

  private DeploySpec.Process process(YamlSection s) {
    Integer instances = s.integer("instances", INSTANCES, 1, 64);
    Integer port = s.integer("port", PORT, 1, 65535);
    if (port != null) {
      // The default port is checked too, at the section (or where the spec starts).
      Node given = s.node("port");
      port = checkPort(port, given != null ? given.getStartMark() : s.where(), s.field("port"));
    }
    Long bytes = s.size("maxMemoryRestart", MAX_MEMORY_RESTART_BYTES);
    String maxMemoryRestart =
        s.node("maxMemoryRestart") instanceof ScalarNode given
            ? given.getValue()
            : MAX_MEMORY_RESTART;
    String script = s.string("script", false, null, SpecValues::releaseFile);
    String ecosystem = s.string("ecosystem", false, null, SpecValues::releaseFile);
    if (script != null && ecosystem != null) {
      binder.error(
          s.node("ecosystem").getStartMark(),
          s.field("ecosystem"),
          "set either script or ecosystem, not both: the app's own ecosystem file defines the"
              + " script itself");
    }
    return instances == null || port == null || bytes == null
        ? null
        : new DeploySpec.Process(instances, port, maxMemoryRestart, bytes, script, ecosystem);
  }

  /** A privileged port or one the operator holds is rejected; null then. */
  private Integer checkPort(int port, Mark at, String field) {
    if (port < FIRST_UNPRIVILEGED_PORT) {
      binder.error(
          at,
          field,
          "port "
              + port
              + " is privileged (below "
              + FIRST_UNPRIVILEGED_PORT
              + "): the app would need root to bind it; use a port from "
              + FIRST_UNPRIVILEGED_PORT
              + " to 65535 and put a reverse proxy (Nginx) in front for 80/443");
      return null;
    }
    String holder = reservedPorts.get(port);
    if (holder != null) {
      binder.error(
          at, field, "port " + port + " is " + holder + "; choose another port for the app");
      return null;
    }
    return port;
  }

  private DeploySpec.Build build(YamlSection s) {
    String install = s.string("install", false, INSTALL, SpecValues::install);
    String command = s.string("command", false, BUILD_COMMAND, SpecValues::command);
    Duration timeout = s.duration("timeout", BUILD_TIMEOUT, POSITIVE);
    DeploySpec.Build.Cache cache =
        s.choice("cache", BUILD_CACHE, DeploySpec.Build.Cache.REUSE, DeploySpec.Build.Cache.CLEAN);
    return new DeploySpec.Build(install, command, timeout, cache);
  }

  /** The migrate section is optional as a whole; when given, its command is required. */
  private DeploySpec.Migrate migrate(YamlSection s) {
    if (!s.isPresent()) {
      return null;
    }
    String command = s.string("command", true, null, SpecValues::command);
    String backup = s.string("backupCommand", false, null, SpecValues::command);
    Duration timeout = s.duration("timeout", MIGRATE_TIMEOUT, POSITIVE);
    return new DeploySpec.Migrate(command, backup, timeout);
  }

  private DeploySpec.Env env(YamlSection s) {
    String file = s.string("file", false, ENV_FILE, v -> SpecValues.relative(v, "target.root"));
    List<String> required = s.strings("required", ENV_REQUIRED, SpecValues::envVar);
    Node fileNode = s.node("file");
    Node encryptedNode = s.node("encryptedFile");
    String encrypted =
        s.string("encryptedFile", false, null, v -> SpecValues.relative(v, "the spec repository"));
    if (fileNode != null && encryptedNode != null) {
      // Two sources of one env file: which one wins would be a guess.
      binder.error(
          encryptedNode.getStartMark(),
          s.field("encryptedFile"),
          "cannot be used together with spec.env.file: an env file is either managed by hand"
              + " (file) or decrypted from the spec repository (encryptedFile), not both");
    }
    return new DeploySpec.Env(file, required, encrypted);
  }

  private DeploySpec.HealthCheck healthCheck(YamlSection s) {
    String path = s.string("path", false, HEALTH_PATH, SpecValues::urlPath);
    Duration timeout = s.duration("timeout", HEALTH_TIMEOUT, POSITIVE);
    Integer retries = s.integer("retries", HEALTH_RETRIES, 1, 20);
    Duration interval = s.duration("interval", HEALTH_INTERVAL, POSITIVE);
    Duration maxResponse = s.duration("maxResponseTime", HEALTH_MAX_RESPONSE_TIME, POSITIVE);
    Integer memory = s.integer("maxMemoryPercent", HEALTH_MAX_MEMORY_PERCENT, 1, 100);
    Integer cpu = s.integer("maxCpuPercent", HEALTH_MAX_CPU_PERCENT, 1, 100);
    Boolean expectCommit = s.bool("expectCommit", HEALTH_EXPECT_COMMIT);
    List<String> critical = s.strings("criticalPaths", HEALTH_CRITICAL_PATHS, SpecValues::urlPath);
    Boolean preview = s.bool("preview", HEALTH_PREVIEW);
    if (retries == null
        || memory == null
        || cpu == null
        || expectCommit == null
        || preview == null) {
      return null;
    }
    return new DeploySpec.HealthCheck(
        path,
        timeout,
        retries,
        interval,
        maxResponse,
        memory,
        cpu,
        expectCommit,
        critical,
        preview);
  }

  private DeploySpec.Backup backup(YamlSection s) {
    Boolean enabled = s.bool("enabled", BACKUP_ENABLED);
    Integer keep = s.integer("keep", BACKUP_KEEP, 1, 100);
    return enabled == null || keep == null ? null : new DeploySpec.Backup(enabled, keep);
  }

  private DeploySpec.Releases releases(YamlSection s) {
    Integer keep = s.integer("keep", RELEASES_KEEP, MIN_RELEASES_KEEP, MAX_RELEASES_KEEP);
    return keep == null ? null : new DeploySpec.Releases(keep);
  }

  private DeploySpec.Rollback rollback(YamlSection s) {
    Boolean automatic = s.bool("automatic", ROLLBACK_AUTOMATIC);
    return automatic == null ? null : new DeploySpec.Rollback(automatic);
  }

  private DeploySpec.Reconcile reconcile(YamlSection s) {
    Duration interval = s.duration("interval", RECONCILE_INTERVAL, MIN_RECONCILE_INTERVAL);
    Boolean suspend = s.bool("suspend", RECONCILE_SUSPEND);
    DeploySpec.Reconcile.Mode mode =
        s.choice(
            "mode",
            RECONCILE_MODE,
            DeploySpec.Reconcile.Mode.ENFORCE,
            DeploySpec.Reconcile.Mode.WARN);
    return suspend == null ? null : new DeploySpec.Reconcile(interval, suspend, mode);
  }
}
