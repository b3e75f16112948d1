package io.sylvan.operator.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
      Reconcile reconcile) {}

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

  /** The shared env file (relative to target.root) and the keys it must define. */
  public record Env(String file, List<String> required) {}

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
}
