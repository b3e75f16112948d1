package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What stays on disk: old releases and backups pruned after a success, failed releases removed. */
final class Retention {

  private Retention() {}

  /**
   * Keeps {@code releases.keep} releases and {@code backup.keep} backups, never the new release,
   * the serving one or the last good one ({@code lastGood}: the environment's after this
   * deployment). A deleted release takes its static assets with it: tabs opened on it get 404s.
   */
  static void prune(DeploymentContext ctx, String lastGood) {
    int keep = ctx.s().releases().keep();
    List<Path> protect = new ArrayList<>();
    protect.add(ctx.releaseDir());
    ctx.releases().current().ifPresent(protect::add);
    if (lastGood != null) {
      ctx.releases().forCommit(lastGood).ifPresent(protect::add);
    }
    try {
      for (Path p : ctx.releases().prune(keep, protect)) {
        ctx.log().info("Removed old release " + p.getFileName());
      }
      List<String> commits = new ArrayList<>();
      commits.add(ctx.commit());
      if (lastGood != null) {
        commits.add(lastGood);
      }
      for (Path p :
          new Backups(ctx.root())
              .prune(ctx.s().backup().keep(), commits.stream().filter(Objects::nonNull).toList())) {
        ctx.log().info("Removed old backup " + p.getFileName());
      }
    } catch (IOException e) {
      ctx.log().warn("Cleaning old releases and backups: " + e.getMessage());
    }
  }

  /**
   * Keeps a release that failed its preview for a person to look at, but never as a release to
   * activate again: without its built marker no rollback or drift correction picks it. Release
   * retention removes it like any old release.
   */
  static void keepForInspection(DeploymentContext ctx, Path release) {
    try {
      Files.deleteIfExists(release.resolve(Releases.BUILT_MARKER));
      ctx.log().info("Kept the failed release for inspection: " + release);
    } catch (IOException e) {
      ctx.log().warn("Could not unmark " + release + ": " + e.getMessage());
    }
  }

  /** Removes a release that failed, unless it is the one serving. */
  static void deleteFailed(DeploymentContext ctx, Path release) {
    if (ctx.releases().current().map(c -> CleanCacheStep.sameDir(c, release)).orElse(false)) {
      return;
    }
    try {
      FileTrees.delete(release);
      ctx.log().info("Removed the failed release " + release.getFileName());
    } catch (IOException e) {
      ctx.log().warn("Could not remove " + release + ": " + e.getMessage());
    }
  }
}
