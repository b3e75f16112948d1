package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Command;
import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.IdlePriority;
import io.sylvan.operator.runtime.InheritedEnv;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.DeploymentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one pipeline run knows: the spec, the target commit and release, the release that
 * served when it began, and what earlier steps found out. One instance per run, used by one thread.
 */
public final class DeploymentContext {

  private final DeploySpec spec;
  private final String commit;
  private final DeploymentType type;
  private final DeployOptions options;
  private final Toolbox tools;
  private final DeploymentLog log;
  private final Releases releases;
  private final Optional<Path> servingRelease;
  private final Optional<String> servingCommit;
  private final long deploymentId;
  private Path releaseDir;

  /** Values of the env file, as the validation read them. */
  private Map<String, String> envValues = Map.of();

  /** The encrypted env file as validation decrypted it; null for a hand-managed env file. */
  private EnvSecrets.Decrypted decrypted;

  private String envHash;

  /** The operator's secrets and the env file's values: for every log line, output and record. */
  private Redactor redactor;

  private String version;
  private Path backupPath;
  private boolean nodeModulesReused;
  private boolean buildCacheReused;
  private List<Pm2Process> afterReload = List.of();
  private HealthReport lastHealth;
  private NextBuildIdentity.Plan nextBuild;
  private String buildId;

  public DeploymentContext(
      DeploySpec spec,
      String commit,
      DeploymentType type,
      DeployOptions options,
      Toolbox tools,
      DeploymentLog log,
      long deploymentId,
      Path releaseDir,
      Optional<Path> servingRelease) {
    this.spec = spec;
    this.commit = commit;
    this.type = type;
    this.options = options;
    this.tools = tools;
    this.log = log;
    this.deploymentId = deploymentId;
    this.releaseDir = releaseDir;
    this.releases = new Releases(spec.spec().target().root());
    this.servingRelease = servingRelease;
    this.servingCommit = servingRelease.flatMap(Releases::revision);
    // From the first line on, also in runs that never validate (a rollback).
    this.redactor = EnvFile.redactor(tools.redactor(), spec);
    log.redactor(redactor);
  }

  public DeploySpec spec() {
    return spec;
  }

  public DeploySpec.Spec s() {
    return spec.spec();
  }

  public String environment() {
    return spec.environment();
  }

  public String appName() {
    return spec.metadata().name();
  }

  public String commit() {
    return commit;
  }

  public String shortCommit() {
    return Commits.short12(commit);
  }

  public DeploymentType type() {
    return type;
  }

  public DeployOptions options() {
    return options;
  }

  public Toolbox tools() {
    return tools;
  }

  public DeploymentLog log() {
    return log;
  }

  public Releases releases() {
    return releases;
  }

  public Path root() {
    return spec.spec().target().root();
  }

  public long deploymentId() {
    return deploymentId;
  }

  /** The release this run makes serve: a new directory for an update, a kept one for rollback. */
  public Path releaseDir() {
    return releaseDir;
  }

  void releaseDir(Path dir) {
    this.releaseDir = dir;
  }

  public Optional<Path> servingRelease() {
    return servingRelease;
  }

  public Optional<String> servingCommit() {
    return servingCommit;
  }

  public Path envFile() {
    return EnvFile.of(spec);
  }

  public Map<String, String> envValues() {
    return envValues;
  }

  void envValues(Map<String, String> values) {
    this.envValues = Map.copyOf(values);
    this.redactor = redactor.with(values.values());
    log.redactor(redactor);
  }

  /** The decrypted env file (in memory only), once validation decrypted it. */
  public Optional<EnvSecrets.Decrypted> decrypted() {
    return Optional.ofNullable(decrypted);
  }

  void decrypted(EnvSecrets.Decrypted d) {
    this.decrypted = d;
    this.envHash = d.contentHash();
  }

  /** SHA-256 of the env content this run deploys, once validation read it; never the content. */
  public Optional<String> envHash() {
    return Optional.ofNullable(envHash);
  }

  void envHash(String hash) {
    this.envHash = hash;
  }

  /** What every output, message and record of this run passes before it is kept or shown. */
  public Redactor redactor() {
    return redactor;
  }

  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  void version(String v) {
    this.version = v;
  }

  public Optional<Path> backupPath() {
    return Optional.ofNullable(backupPath);
  }

  void backupPath(Path p) {
    this.backupPath = p;
  }

  public boolean nodeModulesReused() {
    return nodeModulesReused;
  }

  void nodeModulesReused(boolean reused) {
    this.nodeModulesReused = reused;
  }

  /** The app's instances as PM2 listed them when the reload was judged done. */
  public List<Pm2Process> afterReload() {
    return afterReload;
  }

  void afterReload(List<Pm2Process> instances) {
    this.afterReload = List.copyOf(instances);
  }

  /** Whether the build starts from a copy of the serving release's build cache. */
  public boolean buildCacheReused() {
    return buildCacheReused;
  }

  void buildCacheReused(boolean reused) {
    this.buildCacheReused = reused;
  }

  /** The Next.js build identity the build ran with; empty for plain Node apps and activations. */
  Optional<NextBuildIdentity.Plan> nextBuild() {
    return Optional.ofNullable(nextBuild);
  }

  void nextBuild(NextBuildIdentity.Plan plan) {
    this.nextBuild = plan;
  }

  /** {@code .next/BUILD_ID} of the release this run built. */
  public Optional<String> buildId() {
    return Optional.ofNullable(buildId);
  }

  void buildId(String id) {
    this.buildId = id;
  }

  public Optional<HealthReport> lastHealth() {
    return Optional.ofNullable(lastHealth);
  }

  void lastHealth(HealthReport report) {
    this.lastHealth = report;
  }

  /**
   * The PM2 config to apply: the operator's own, or the app's ({@code spec.process.ecosystem},
   * relative to the release), which must pass {@code SYLVAN_COMMIT} on to its app's env so the
   * switch can be verified.
   */
  public Path ecosystemFile() {
    String own = spec.spec().process().ecosystem();
    return own == null ? tools.ecosystemFile() : releaseDir.resolve(own);
  }

  /** The variables the operator's ecosystem.config.js reads. */
  public Map<String, String> processEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    DeploySpec.Process p = spec.spec().process();
    env.put("SYLVAN_APP_NAME", appName());
    env.put("SYLVAN_ENVIRONMENT", environment());
    // cwd is the `current` symlink: every worker PM2 forks after the switch resolves it to the
    // new release, while PM2 itself keeps the cwd it was first started with.
    env.put("SYLVAN_RELEASE_DIR", releases.currentLink().toString());
    env.put("SYLVAN_COMMIT", commit);
    // What the release was built with (empty when the app sets its own or it predates this):
    // Next reads NEXT_DEPLOYMENT_ID at runtime too, and build and server must agree.
    env.put("SYLVAN_DEPLOYMENT_ID", NextBuildIdentity.deploymentIdOf(releaseDir));
    env.put("SYLVAN_PORT", Integer.toString(p.port()));
    env.put("SYLVAN_INSTANCES", Integer.toString(p.instances()));
    env.put("SYLVAN_LOG_DIR", root().resolve("logs").toString());
    env.put("SYLVAN_MAX_MEMORY_RESTART", p.maxMemoryRestart());
    env.put("SYLVAN_LAUNCHER", tools.launcher().toString());
    if (p.script() != null) {
      env.put("SYLVAN_SCRIPT", p.script());
    }
    // The launcher loads these routes on a private port before it reports ready, so real
    // traffic never pays for a fresh worker's first load of them.
    env.put("SYLVAN_WARMUP_PATHS", "/," + spec.spec().healthCheck().path());
    if (type() == DeploymentType.ROLLBACK) {
      // Off a bad release first, polish later: every worker boots at once, so there is no
      // serving worker to yield CPU to, and 30 warm-up rounds cost ~1 s of rollback time here.
      env.put("SYLVAN_WARMUP_ROUNDS", "1");
      env.put("SYLVAN_BOOT_IDLE", "0");
      env.put("SYLVAN_BOOT_NICE", "0");
    } else {
      // Set explicitly: PM2 keeps a process's variables across reloads, so what a rollback set
      // must be undone by the next deployment. A new worker boots and warms up at nice +10 while
      // the old ones serve, not at SCHED_IDLE: it must be up within PM2's listen_timeout, and at
      // SCHED_IDLE a worker next to busy serving workers got no CPU at all (NextZeroDowntimeTest
      // lost 413 of 4,715 requests under load that way).
      env.put("SYLVAN_WARMUP_ROUNDS", "30");
      env.put("SYLVAN_BOOT_IDLE", "0");
      env.put("SYLVAN_BOOT_NICE", tools.idlePriority() ? "10" : "0");
    }
    return env;
  }

  /**
   * Runs a command in a step: output lines go to the deploy log as they come, secrets of the env
   * file are redacted everywhere. Step commands (install, build, migrations, copies) serve no user,
   * so they run at {@link #idle idle priority}; no session of their own: the runner's timeout kills
   * their process tree by descendants.
   */
  public CommandResult run(
      List<String> argv, Path workingDir, Map<String, String> env, Duration timeout) {
    Command.Builder b =
        Command.builder(idle(argv))
            .workingDir(workingDir)
            .removeEnv(InheritedEnv.toDrop())
            .env(env)
            .timeout(timeout)
            .redactor(redactor)
            .onLine(log::output);
    log.info("$ " + String.join(" ", idle(argv)));
    return tools.runner().run(b.build());
  }

  /** {@code argv} at the lowest priority this host offers, unless the operator switched it off. */
  public List<String> idle(List<String> argv) {
    return tools.idlePriority() ? IdlePriority.lowest(argv, IdlePriority.probe(), true) : argv;
  }
}
