package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.PackageManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The seed's validate_env, validate_config and validate_dependencies, plus what a pipeline that
 * fetches needs: free disk, a reachable repository and an existing commit.
 */
final class ValidateStep implements Step {

  /** Below this much free space a Next.js install and build is likely to fail half-way. */
  static final long MIN_FREE_BYTES = 1024L * 1024 * 1024;

  static final Duration FETCH_TIMEOUT = Duration.ofMinutes(5);

  @Override
  public String name() {
    return "Validating environment and dependencies";
  }

  @Override
  public Phase phase() {
    return Phase.PRE_DEPLOY;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    StringBuilder out = new StringBuilder();
    checkEnvFile(ctx, out);
    checkRoot(ctx, out);
    Path mirror = fetch(ctx);
    if (!ctx.tools().git().commitExists(mirror, ctx.commit())) {
      throw new StepFailure(
          FailureCode.COMMIT_NOT_FOUND,
          "commit " + ctx.commit() + " does not exist in " + ctx.s().source().repository());
    }
    out.append("commit ").append(ctx.shortCommit()).append(" found\n");
    checkDependencies(ctx, mirror, out);
    return out.toString();
  }

  private static void checkEnvFile(DeploymentContext ctx, StringBuilder out) throws StepFailure {
    Path envFile = ctx.envFile();
    List<String> required = ctx.s().env().required();
    Map<String, String> values = Map.of();
    if (Files.isRegularFile(envFile)) {
      try {
        values = EnvFile.read(envFile);
      } catch (IOException e) {
        throw new StepFailure(
            FailureCode.ENV_UNREADABLE,
            "cannot read the env file " + envFile + ": " + e.getMessage());
      }
    } else if (!required.isEmpty()) {
      throw new StepFailure(
          FailureCode.MISSING_ENV,
          "the env file " + envFile + " does not exist; required keys: " + required);
    }
    ctx.envValues(values);
    List<String> missing = new ArrayList<>();
    for (String key : required) {
      String v = values.get(key);
      if (v == null || v.isBlank()) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw new StepFailure(
          FailureCode.MISSING_ENV,
          "required keys missing or empty in " + envFile + ": " + String.join(", ", missing));
    }
    out.append("env file: ")
        .append(values.size())
        .append(" keys, required present: ")
        .append(required)
        .append('\n');
  }

  private static void checkRoot(DeploymentContext ctx, StringBuilder out) throws StepFailure {
    Path root = ctx.root();
    try {
      Files.createDirectories(root.resolve("releases"));
      Files.createDirectories(root.resolve("shared"));
      Files.createDirectories(root.resolve("logs").resolve("health-checks"));
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.TARGET_NOT_WRITABLE,
          "cannot create folders under " + root + ": " + e.getMessage());
    }
    long free = root.toFile().getUsableSpace();
    if (free < MIN_FREE_BYTES) {
      throw new StepFailure(
          FailureCode.DISK_SPACE,
          String.format(
              "only %d MB free under %s, need at least %d MB",
              free >> 20, root, MIN_FREE_BYTES >> 20));
    }
    out.append("free disk: ").append(free >> 20).append(" MB\n");
  }

  private static Path fetch(DeploymentContext ctx) throws StepFailure {
    String repo = ctx.s().source().repository();
    Path mirror = ctx.tools().mirrorFor(repo);
    try {
      ctx.tools().git().ensureMirror(repo, mirror, FETCH_TIMEOUT);
    } catch (RuntimeException e) {
      throw new StepFailure(
          FailureCode.SOURCE_UNAVAILABLE, "cannot fetch " + repo + ": " + e.getMessage());
    }
    return mirror;
  }

  private static void checkDependencies(DeploymentContext ctx, Path mirror, StringBuilder out)
      throws StepFailure {
    List<String> missing = new ArrayList<>();
    version(ctx, List.of("git", "--version"), "git", missing, out);
    version(ctx, List.of("node", "--version"), "node", missing, out);
    try {
      // Through the PM2 client: with the operator's PM2_HOME (even `pm2 --version` starts a daemon
      // when none runs there) and without the operator's secrets in the daemon's environment.
      out.append("pm2 ").append(ctx.tools().pm2().version()).append('\n');
    } catch (RuntimeException e) {
      missing.add("pm2");
    }
    if (ctx.s().build().autoInstall()) {
      Optional<PackageManager> pm = lockfileAt(ctx, mirror);
      if (pm.isEmpty()) {
        throw new StepFailure(
            FailureCode.NO_LOCKFILE,
            "commit "
                + ctx.shortCommit()
                + " has no package-lock.json, yarn.lock or pnpm-lock.yaml: install: auto needs one"
                + " (or name an install command in spec.build.install)");
      }
      version(
          ctx, List.of(pm.get().executable(), "--version"), pm.get().executable(), missing, out);
    }
    if (!missing.isEmpty()) {
      throw new StepFailure(
          FailureCode.MISSING_DEPENDENCY,
          "not installed or not runnable: " + String.join(", ", missing));
    }
  }

  /** Which lockfile the target commit has, read from the mirror before any checkout. */
  private static Optional<PackageManager> lockfileAt(DeploymentContext ctx, Path mirror) {
    CommandResult r =
        ctx.tools()
            .runner()
            .run(
                io.sylvan.operator.runtime.Command.builder(
                        "git",
                        "--git-dir",
                        mirror.toString(),
                        "ls-tree",
                        "--name-only",
                        ctx.commit())
                    .timeout(Duration.ofSeconds(30))
                    .build());
    if (!r.ok()) {
      return Optional.empty();
    }
    List<String> files = r.output().lines().map(String::strip).toList();
    return PackageManager.fromFileNames(files);
  }

  private static void version(
      DeploymentContext ctx,
      List<String> argv,
      String label,
      List<String> missing,
      StringBuilder out) {
    try {
      CommandResult r =
          ctx.tools()
              .runner()
              .run(
                  io.sylvan.operator.runtime.Command.builder(argv)
                      .timeout(Duration.ofSeconds(30))
                      .build());
      if (r.ok()) {
        out.append(label)
            .append(' ')
            .append(r.output().strip().lines().reduce((a, b) -> b).orElse(""))
            .append('\n');
      } else {
        missing.add(label);
      }
    } catch (RuntimeException e) {
      missing.add(label);
    }
  }
}
