package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.ToolCommands;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the new release's build from a copy of the serving release's {@code .next/cache}, Next's
 * build cache (compiled modules keyed by their inputs), when the lockfile did not change. The build
 * output itself is always produced fresh in the new release, so the seed's stale-output problem
 * stays solved; the copy leaves the serving release untouched. Measured here on the Next 16
 * fixture: 7.0 s cold, 3.8 s from the cache. {@link BuildStep} repeats a failed build from a clean
 * cache, so a damaged cache can cost time but never a release.
 */
final class ReuseBuildCacheStep implements Step {

  static final Path CACHE = Path.of(".next", "cache");

  @Override
  public String name() {
    return "Reusing build cache";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    if (ctx.s().build().cache() == DeploySpec.Build.Cache.CLEAN) {
      return Optional.of("spec.build.cache is clean");
    }
    Optional<Path> serving = ctx.servingRelease();
    if (serving.isEmpty() || !Files.isDirectory(serving.get().resolve(CACHE))) {
      return Optional.of("no serving release with a build cache");
    }
    if (!ReuseDependenciesStep.lockfileUnchanged(serving.get(), ctx.releaseDir())) {
      return Optional.of("lockfile changed: cold build");
    }
    return Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path from = ctx.servingRelease().orElseThrow().resolve(CACHE);
    Path to = ctx.releaseDir().resolve(CACHE);
    try {
      Files.createDirectories(to.getParent());
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.REUSE_FAILED, "cannot create " + to.getParent() + ": " + e.getMessage());
    }
    // A copy, not hard links: the build rewrites cache files, and the serving release's must stay
    // as they are (it may be rolled back to and rebuilt from).
    CommandResult r =
        ctx.run(
            ToolCommands.copyKeepingTimes(from, to),
            ctx.releaseDir(),
            Map.of(),
            Duration.ofMinutes(5));
    if (!r.ok()) {
      // Not worth failing a deployment over: build cold instead.
      deleteQuietly(to);
      return "could not copy the build cache (" + r.describe() + "): cold build";
    }
    ctx.buildCacheReused(true);
    return "lockfile unchanged: .next/cache copied from "
        + from.getParent().getParent().getFileName();
  }

  static void deleteQuietly(Path p) {
    try {
      FileTrees.delete(p);
    } catch (IOException e) {
      // the build overwrites or the next clean removes it
    }
  }
}
