package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.PackageManager;
import io.sylvan.operator.runtime.ToolVersions;
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

  static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

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
    SourceCheck.Result source =
        SourceCheck.check(ctx.tools(), ctx.s().source().repository(), ctx.commit());
    switch (source.status()) {
      case UNAVAILABLE -> throw new StepFailure(FailureCode.SOURCE_UNAVAILABLE, source.message());
      case COMMIT_NOT_FOUND ->
          throw new StepFailure(FailureCode.COMMIT_NOT_FOUND, source.message());
      case OK -> {}
    }
    Path mirror = source.mirror();
    out.append("commit ").append(ctx.shortCommit()).append(" found\n");
    checkDependencies(ctx, mirror, out);
    return out.toString();
  }

  private static void checkEnvFile(DeploymentContext ctx, StringBuilder out) throws StepFailure {
    Path envFile = ctx.envFile();
    List<String> required = ctx.s().env().required();
    Map<String, String> values = Map.of();
    String named = envFile.toString();
    if (ctx.s().env().encrypted()) {
      // Decrypted into memory here, written into the release only after checkout.
      named = ctx.s().env().encryptedFile() + " (in the spec repository)";
      try {
        EnvSecrets.Decrypted d = ctx.tools().secrets().decrypt(ctx.spec());
        ctx.decrypted(d);
        values = d.values();
      } catch (Age.AgeException e) {
        throw new StepFailure(FailureCode.ENV_UNREADABLE, e.getMessage());
      }
    } else if (Files.isRegularFile(envFile)) {
      try {
        values = EnvFile.read(envFile);
        ctx.envHash(Hashes.sha256(envFile));
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
          "required keys missing or empty in " + named + ": " + String.join(", ", missing));
    }
    out.append("env file: ")
        .append(
            ctx.decrypted()
                .map(d -> "decrypted, sha256 " + Hashes.short12(d.contentHash()) + ", ")
                .orElse(""))
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

  private static void checkDependencies(DeploymentContext ctx, Path mirror, StringBuilder out)
      throws StepFailure {
    List<String> missing = new ArrayList<>();
    version(ctx, "git", missing, out);
    version(ctx, "node", missing, out);
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
      version(ctx, pm.get().executable(), missing, out);
    }
    if (!missing.isEmpty()) {
      throw new StepFailure(
          FailureCode.MISSING_DEPENDENCY,
          "not installed or not runnable: " + String.join(", ", missing));
    }
  }

  /** Which lockfile the target commit has, read from the mirror before any checkout. */
  private static Optional<PackageManager> lockfileAt(DeploymentContext ctx, Path mirror) {
    return ctx.tools()
        .git()
        .topLevelNames(mirror, ctx.commit())
        .flatMap(PackageManager::fromFileNames);
  }

  /** Appends {@code <tool> <version>} to {@code out}, or adds the tool to {@code missing}. */
  private static void version(
      DeploymentContext ctx, String tool, List<String> missing, StringBuilder out) {
    Optional<String> version = ToolVersions.read(ctx.tools().runner(), tool, VERSION_TIMEOUT);
    if (version.isPresent()) {
      out.append(tool).append(' ').append(version.get()).append('\n');
    } else {
      missing.add(tool);
    }
  }
}
