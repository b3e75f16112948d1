package io.sylvan.operator.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One environment's desired state, as read from {@code deploy-specs/<env>.yaml} ({@code apiVersion:
 * sylvan.io/v1}, {@code kind: AppDeployment}). Every field has a default except the source
 * repository, the commit and the target root.
 */
public record DeploySpec(
    String apiVersion,
    String kind,
    Metadata metadata,
    Spec spec,
    /** The file this spec was read from, relative to the spec source (for messages). */
    String sourceFile) {

  public static final String API_VERSION = "sylvan.io/v1";
  public static final String KIND = "AppDeployment";

  /** The environment name: the unique key of everything the operator records. */
  public String environment() {
    return metadata.environment();
  }

  public record Metadata(String name, String environment) {}

  /**
   * This spec as node {@code node} runs it: with that node's {@code root} and {@code port}
   * overrides applied, or empty when the placement does not name the node (or its labels do not
   * match the selector). Without placement the spec runs on the node that loads it, unchanged.
   */
  public Optional<DeploySpec> forNode(String node, Map<String, String> labels) {
    Placement placement = spec.placement();
    if (placement.isNone()) {
      return Optional.of(this);
    }
    if (!placement.nodes().isEmpty()) {
      return placement.target(node).map(this::withOverrides);
    }
    boolean selected =
        placement.nodeSelector().entrySet().stream()
            .allMatch(l -> l.getValue().equals(labels.get(l.getKey())));
    return selected ? Optional.of(this) : Optional.empty();
  }

  private DeploySpec withOverrides(Placement.NodeTarget t) {
    if (t.root() == null && t.port() == null) {
      return this;
    }
    Target target = t.root() == null ? spec.target() : new Target(t.root());
    Process p = spec.process();
    Process process =
        t.port() == null
            ? p
            : new Process(
                p.instances(),
                t.port(),
                p.maxMemoryRestart(),
                p.maxMemoryRestartBytes(),
                p.script(),
                p.ecosystem());
    Spec s =
        new Spec(
            spec.source(),
            target,
            process,
            spec.build(),
            spec.migrate(),
            spec.env(),
            spec.healthCheck(),
            spec.backup(),
            spec.releases(),
            spec.rollback(),
            spec.reconcile(),
            spec.placement(),
            spec.rollout());
    return new DeploySpec(apiVersion, kind, metadata, s, sourceFile);
  }

  public record Spec(
      Source source,
      Target target,
      Process process,
      Build build,
      Migrate migrate,
      Env env,
      HealthCheck healthCheck,
      Backup backup,
      Releases releases,
      Rollback rollback,
      Reconcile reconcile,
      Placement placement,
      Rollout rollout) {

    /** A spec without placement or rollout section: runs on the node that loads it. */
    public Spec(
        Source source,
        Target target,
        Process process,
        Build build,
        Migrate migrate,
        Env env,
        HealthCheck healthCheck,
        Backup backup,
        Releases releases,
        Rollback rollback,
        Reconcile reconcile) {
      this(
          source,
          target,
          process,
          build,
          migrate,
          env,
          healthCheck,
          backup,
          releases,
          rollback,
          reconcile,
          Placement.none(),
          Rollout.defaults());
    }
  }

  /** Where the app's code comes from and which commit must run. */
  public record Source(String repository, String commit) {}

  /** The VM directory that holds releases/, current, shared/, backups/ and logs/. */
  public record Target(Path root) {
    public Path releases() {
      return root.resolve("releases");
    }

    public Path current() {
      return root.resolve("current");
    }

    public Path shared() {
      return root.resolve("shared");
    }

    public Path backups() {
      return root.resolve("backups");
    }

    public Path logs() {
      return root.resolve("logs");
    }
  }

  /**
   * The PM2 process definition. {@code script} replaces the bundled Next.js launcher for apps that
   * are not Next.js (relative to the release directory); {@code ecosystem} points at the app's own
   * ecosystem file instead of the operator's.
   */
  public record Process(
      int instances,
      int port,
      String maxMemoryRestart,
      long maxMemoryRestartBytes,
      String script,
      String ecosystem) {}

  /**
   * {@code install: auto} picks the command from the lockfile; {@code cache} says whether the build
   * starts from the serving release's build cache.
   */
  public record Build(String install, String command, Duration timeout, Cache cache) {
    public static final String AUTO = "auto";

    /**
     * {@code reuse}: the new release's {@code .next/cache} starts as a copy of the serving
     * release's when the lockfile did not change (the build output itself is always fresh); a build
     * that fails with it is repeated from a clean cache. {@code clean}: always a cold build.
     */
    public enum Cache {
      REUSE,
      CLEAN
    }

    public boolean autoInstall() {
      return AUTO.equals(install);
    }

    /** The install command as argv; empty for {@code auto}. Commands never run in a shell. */
    public List<String> installArgv() {
      return autoInstall() ? List.of() : CommandLine.split(install);
    }

    /** The build command as argv. */
    public List<String> commandArgv() {
      return CommandLine.split(command);
    }
  }

  /** Optional database migration (seed scenario 4); {@code null} in {@link Spec} when absent. */
  public record Migrate(String command, String backupCommand, Duration timeout) {
    /** The migration command as argv. */
    public List<String> commandArgv() {
      return CommandLine.split(command);
    }

    /** The backup command as argv; empty when there is none. */
    public List<String> backupCommandArgv() {
      return backupCommand == null ? List.of() : CommandLine.split(backupCommand);
    }
  }

  /**
   * The env file and the keys it must define: the shared one (relative to target.root), managed by
   * hand, or one decrypted on the node from an age-encrypted file in the spec repository ({@code
   * encryptedFile}, relative to the repository's root; null when unused) into each release.
   */
  public record Env(String file, List<String> required, String encryptedFile) {

    public Env(String file, List<String> required) {
      this(file, required, null);
    }

    public boolean encrypted() {
      return encryptedFile != null;
    }
  }

  /**
   * The health check; {@code preview}: run it on the new release started beside the serving one
   * before the switch (the pre-traffic gate), as well as after the switch.
   */
  public record HealthCheck(
      String path,
      Duration timeout,
      int retries,
      Duration interval,
      Duration maxResponseTime,
      int maxMemoryPercent,
      int maxCpuPercent,
      boolean expectCommit,
      List<String> criticalPaths,
      boolean preview) {}

  public record Backup(boolean enabled, int keep) {}

  /**
   * How many built releases stay on disk (newest first; the serving and the last good one are never
   * deleted): rollback targets, and the releases whose static assets the launcher still serves to
   * tabs opened on them.
   */
  public record Releases(int keep) {}

  public record Rollback(boolean automatic) {}

  /** {@code mode: enforce} corrects drift; {@code warn} only reports it. */
  public record Reconcile(Duration interval, boolean suspend, Mode mode) {
    public enum Mode {
      ENFORCE,
      WARN
    }
  }

  /**
   * Which nodes of the fleet run this environment: the listed {@code nodes} (each may override
   * {@code target.root} and {@code process.port}, so several nodes can share one machine) or every
   * node whose labels contain {@code nodeSelector}. Neither: the node that loads the spec.
   */
  public record Placement(List<NodeTarget> nodes, Map<String, String> nodeSelector) {

    public Placement {
      nodes = List.copyOf(nodes);
      nodeSelector = Map.copyOf(nodeSelector);
    }

    /** One listed node; {@code root} and {@code port} are null when not overridden. */
    public record NodeTarget(String name, Path root, Integer port) {}

    public static Placement none() {
      return new Placement(List.of(), Map.of());
    }

    public boolean isNone() {
      return nodes.isEmpty() && nodeSelector.isEmpty();
    }

    /** The entry of {@code node} in {@code nodes}. */
    public Optional<NodeTarget> target(String node) {
      return nodes.stream().filter(t -> t.name().equals(node)).findFirst();
    }
  }

  /**
   * How a new commit reaches the placed nodes: {@code canary} nodes first, then waves of {@code
   * maxParallel}; each node must stay healthy for {@code minHealthyTime} before the next wave; more
   * than {@code maxFailures} failed nodes abort the rollout, and {@code autoRevert} puts the nodes
   * already switched back on the release they served before. Used only with a placement.
   */
  public record Rollout(
      Amount canary,
      Amount maxParallel,
      Duration minHealthyTime,
      Duration progressDeadline,
      int maxFailures,
      boolean autoRevert) {

    /** The documented defaults ({@link SpecDefaults}). */
    public static Rollout defaults() {
      return new Rollout(
          SpecDefaults.ROLLOUT_CANARY,
          SpecDefaults.ROLLOUT_MAX_PARALLEL,
          SpecDefaults.ROLLOUT_MIN_HEALTHY_TIME,
          SpecDefaults.ROLLOUT_PROGRESS_DEADLINE,
          SpecDefaults.ROLLOUT_MAX_FAILURES,
          SpecDefaults.ROLLOUT_AUTO_REVERT);
    }

    /** A count or a percentage of the placed nodes. */
    public record Amount(int value, boolean percent) {

      public static Amount count(int value) {
        return new Amount(value, false);
      }

      public static Amount percent(int value) {
        return new Amount(value, true);
      }

      /** Of n nodes; see {@link #of(int, boolean, int)}. */
      public int of(int n) {
        return of(value, percent, n);
      }

      /**
       * The one rounding rule of the fleet (the rollout plan delegates here): a percentage of n
       * nodes rounds down, as Kubernetes' and Nomad's maxUnavailable do, so fewer nodes are at risk
       * at once; but it is at least 1 node when the value is above 0 (else a small fleet would
       * never move), and never more than n.
       */
      public static int of(int value, boolean percent, int n) {
        if (value <= 0 || n <= 0) {
          return 0;
        }
        long amount = percent ? (long) n * value / 100 : value;
        return (int) Math.max(1, Math.min(n, amount));
      }

      @Override
      public String toString() {
        return percent ? value + "%" : Integer.toString(value);
      }
    }
  }
}
