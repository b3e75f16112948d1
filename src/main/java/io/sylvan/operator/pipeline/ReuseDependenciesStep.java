package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.ToolCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The seed's "keep node_modules unless package.json changed", made safe: when the new release's
 * lockfile is byte-identical to the serving release's, its {@code node_modules} is copied as hard
 * links (seconds, no extra disk) instead of installing; the serving release is only read.
 */
final class ReuseDependenciesStep implements Step {

  @Override
  public String name() {
    return "Reusing node_modules";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    if (!ctx.s().build().autoInstall()) {
      return Optional.of("spec.build.install names its own command");
    }
    Optional<Path> serving = ctx.servingRelease();
    if (serving.isEmpty() || !Files.isDirectory(serving.get().resolve("node_modules"))) {
      return Optional.of("no serving release with node_modules");
    }
    if (!lockfileUnchanged(serving.get(), ctx.releaseDir())) {
      return Optional.of("lockfile changed");
    }
    return Optional.empty();
  }

  /** Whether both releases have the same lockfile, byte for byte. */
  static boolean lockfileUnchanged(Path serving, Path release) {
    Optional<String> lock = lockfile(release);
    return lock.isPresent() && sameFile(serving.resolve(lock.get()), release.resolve(lock.get()));
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path from = ctx.servingRelease().orElseThrow().resolve("node_modules");
    Path to = ctx.releaseDir().resolve("node_modules");
    CommandResult r =
        ctx.run(
            ToolCommands.copyHardLinked(from, to),
            ctx.releaseDir(),
            java.util.Map.of(),
            Duration.ofMinutes(5));
    if (!r.ok()) {
      throw new StepFailure(
          FailureCode.REUSE_FAILED, "cannot hard-link node_modules: " + r.describe(), r.tail(4000));
    }
    try {
      // The build cache belongs to the old build; unlinking it here leaves the serving copy alone.
      FileTrees.delete(to.resolve(".cache"));
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.CLEAN_FAILED, "cannot remove node_modules/.cache: " + e.getMessage());
    }
    ctx.nodeModulesReused(true);
    return "lockfile unchanged: node_modules hard-linked from " + from.getParent().getFileName();
  }

  static Optional<String> lockfile(Path release) {
    return Backups.LOCKFILES.stream()
        .filter(l -> Files.isRegularFile(release.resolve(l)))
        .findFirst();
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isRegularFile(a) && Files.mismatch(a, b) == -1;
    } catch (IOException e) {
      return false;
    }
  }
}
