package io.sylvan.operator.spec;

import java.time.Duration;
import java.util.List;

/**
 * The value of every optional spec field when a spec leaves it out, and the limits the parser
 * enforces. Kept in one place so the reference documentation can be generated from it.
 *
 * <p>Required (no default): {@code apiVersion}, {@code kind}, {@code metadata.environment}, {@code
 * spec.source.repository}, {@code spec.source.commit}, {@code spec.target.root}. The {@code
 * spec.migrate} section is optional as a whole; when present, its {@code command} is required.
 */
public final class SpecDefaults {

  /** {@code metadata.name}: the PM2 app name. */
  public static final String NAME = "sylvan-app";

  /** {@code spec.process.instances}. */
  public static final int INSTANCES = 1;

  /** {@code spec.process.port}. */
  public static final int PORT = 3000;

  /** {@code spec.process.maxMemoryRestart}, in PM2's notation. */
  public static final String MAX_MEMORY_RESTART = "1G";

  /** {@link #MAX_MEMORY_RESTART} in bytes. */
  public static final long MAX_MEMORY_RESTART_BYTES = 1L << 30;

  /** {@code spec.build.install}: pick the install command from the lockfile. */
  public static final String INSTALL = DeploySpec.Build.AUTO;

  /** {@code spec.build.command}. */
  public static final String BUILD_COMMAND = "npm run build";

  /** {@code spec.build.timeout}. */
  public static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);

  /** {@code spec.build.cache}. */
  public static final DeploySpec.Build.Cache BUILD_CACHE = DeploySpec.Build.Cache.REUSE;

  /** {@code spec.migrate.timeout}. */
  public static final Duration MIGRATE_TIMEOUT = Duration.ofMinutes(10);

  /** {@code spec.env.file}, relative to {@code spec.target.root}. */
  public static final String ENV_FILE = "shared/.env.local";

  /** {@code spec.env.required}. */
  public static final List<String> ENV_REQUIRED = List.of();

  /** {@code spec.healthCheck.path}. */
  public static final String HEALTH_PATH = "/api/health";

  /** {@code spec.healthCheck.timeout}: per request. */
  public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

  /** {@code spec.healthCheck.retries} (seed: 5 attempts). */
  public static final int HEALTH_RETRIES = 5;

  /** {@code spec.healthCheck.interval} between attempts (seed: 3 s). */
  public static final Duration HEALTH_INTERVAL = Duration.ofSeconds(3);

  /** {@code spec.healthCheck.maxResponseTime} (seed: under 2 s). */
  public static final Duration HEALTH_MAX_RESPONSE_TIME = Duration.ofSeconds(2);

  /** {@code spec.healthCheck.maxMemoryPercent} (seed: under 80%). */
  public static final int HEALTH_MAX_MEMORY_PERCENT = 80;

  /** {@code spec.healthCheck.maxCpuPercent} (seed: under 70%). */
  public static final int HEALTH_MAX_CPU_PERCENT = 70;

  /** {@code spec.healthCheck.expectCommit}: off, because not every app reports its commit. */
  public static final boolean HEALTH_EXPECT_COMMIT = false;

  /**
   * {@code spec.healthCheck.preview}: on; off only for apps that cannot run twice at once (a
   * migration at boot, a singleton worker, a fixed port).
   */
  public static final boolean HEALTH_PREVIEW = true;

  /** {@code spec.healthCheck.criticalPaths}. */
  public static final List<String> HEALTH_CRITICAL_PATHS = List.of();

  /** {@code spec.backup.enabled}. */
  public static final boolean BACKUP_ENABLED = true;

  /** {@code spec.backup.keep}. */
  public static final int BACKUP_KEEP = 5;

  /**
   * {@code spec.releases.keep}: built releases kept on disk. Their {@code /_next/static} assets
   * stay reachable for tabs opened on them, so this bounds how far back old tabs are covered: 20 is
   * about a week at two or three deploys a working day.
   */
  public static final int RELEASES_KEEP = 20;

  /** Least {@code spec.releases.keep}: the serving release and one to roll back to. */
  public static final int MIN_RELEASES_KEEP = 2;

  /** Most {@code spec.releases.keep}: each release holds its own node_modules. */
  public static final int MAX_RELEASES_KEEP = 200;

  /** {@code spec.rollback.automatic}. */
  public static final boolean ROLLBACK_AUTOMATIC = true;

  /** {@code spec.reconcile.interval}. */
  public static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(30);

  /** {@code spec.reconcile.suspend}. */
  public static final boolean RECONCILE_SUSPEND = false;

  /** {@code spec.reconcile.mode}. */
  public static final DeploySpec.Reconcile.Mode RECONCILE_MODE = DeploySpec.Reconcile.Mode.ENFORCE;

  /** {@code spec.rollout.canary}: nodes updated first, alone. */
  public static final DeploySpec.Rollout.Amount ROLLOUT_CANARY = DeploySpec.Rollout.Amount.count(1);

  /** {@code spec.rollout.maxParallel}: nodes per wave after the canary. */
  public static final DeploySpec.Rollout.Amount ROLLOUT_MAX_PARALLEL =
      DeploySpec.Rollout.Amount.count(1);

  /** {@code spec.rollout.minHealthyTime}: how long a node stays healthy before the next wave. */
  public static final Duration ROLLOUT_MIN_HEALTHY_TIME = Duration.ofSeconds(30);

  /** {@code spec.rollout.progressDeadline}: how long one node's update may take at most. */
  public static final Duration ROLLOUT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

  /** {@code spec.rollout.maxFailures}: failed nodes tolerated before the rollout is aborted. */
  public static final int ROLLOUT_MAX_FAILURES = 0;

  /** {@code spec.rollout.autoRevert}: an aborted rollout puts switched nodes back. */
  public static final boolean ROLLOUT_AUTO_REVERT = true;

  /** Largest spec file accepted, checked before any YAML parsing. */
  public static final int MAX_FILE_BYTES = 256 * 1024;

  /** Most aliases to collections per file: stops "billion laughs" expansion bombs. */
  public static final int MAX_ALIASES = 20;

  /** Deepest nesting of collections per file. */
  public static final int MAX_NESTING_DEPTH = 20;

  /** Shortest {@code spec.reconcile.interval}: faster polling only loads the spec source. */
  public static final Duration MIN_RECONCILE_INTERVAL = Duration.ofSeconds(5);

  private SpecDefaults() {}
}
