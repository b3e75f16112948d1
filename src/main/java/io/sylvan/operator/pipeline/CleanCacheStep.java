package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seed's clean_all_cache, in the new release only: the serving release's {@code .next} is never
 * touched (an in-place clean and build served HTTP 500s here until the reload).
 */
final class CleanCacheStep implements Step {

  @Override
  public String name() {
    return "Cleaning build cache";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path release = ctx.releaseDir();
    if (ctx.servingRelease().isPresent() && sameDir(ctx.servingRelease().get(), release)) {
      throw new StepFailure(
          FailureCode.SERVING_RELEASE, "refusing to clean the serving release " + release);
    }
    StringBuilder out = new StringBuilder();
    for (Path p :
        new Path[] {release.resolve(".next"), release.resolve("node_modules").resolve(".cache")}) {
      try {
        if (Files.exists(p)) {
          FileTrees.delete(p);
          out.append("removed ").append(release.relativize(p)).append('\n');
        }
      } catch (IOException e) {
        throw new StepFailure(
            FailureCode.CLEAN_FAILED, "cannot remove " + p + ": " + e.getMessage());
      }
    }
    return out.length() == 0 ? "nothing cached in the new release" : out.toString();
  }

  static boolean sameDir(Path a, Path b) {
    try {
      return a.toRealPath().equals(b.toRealPath());
    } catch (IOException e) {
      return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
  }
}
