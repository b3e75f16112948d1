package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.spec.CommandLine;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the new release while the old one serves. {@code SYLVAN_COMMIT} is set so the app's {@code
 * next.config.js} can use it; for a Next.js app the build id and {@code NEXT_DEPLOYMENT_ID} are
 * pinned to the commit first ({@link NextBuildIdentity}), unless its config sets its own. Like
 * every step command, the build runs at idle CPU and I/O priority ({@link DeploymentContext#run}):
 * {@code next build} takes every core for 10-20 s, and on a small VM the serving workers must keep
 * answering meanwhile (measured on 2 cores: answers to 100 req/s queued past 10 s while a build ran
 * beside them at normal priority). A build that fails after {@link ReuseBuildCacheStep} seeded the
 * cache runs once more from a clean cache, so only the commit itself can fail it.
 */
final class BuildStep implements Step {

  @Override
  public String name() {
    return "Building application";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    String identity = pinIdentity(ctx);
    CommandResult r = build(ctx);
    String retried = "";
    if (!r.ok() && !r.timedOut() && ctx.buildCacheReused()) {
      // The cache came from another build: never let it decide that this commit is broken.
      ctx.log().warn("Build failed with the reused build cache; building again from a clean cache");
      try {
        FileTrees.delete(ctx.releaseDir().resolve(".next"));
      } catch (IOException e) {
        throw new StepFailure(FailureCode.CLEAN_FAILED, "cannot remove .next: " + e.getMessage());
      }
      ctx.buildCacheReused(false);
      retried =
          "build with the reused cache failed: "
              + r.describe()
              + "; built again from a clean cache\n";
      r = build(ctx);
    }
    if (!r.ok()) {
      throw new StepFailure(
          r.timedOut() ? FailureCode.BUILD_TIMEOUT : FailureCode.BUILD_FAILED,
          "build failed: " + r.describe(),
          retried + r.tail(8000));
    }
    String assets = ctx.nextBuild().isPresent() ? oldAssetsNote(ctx) : "";
    try {
      Files.writeString(ctx.releaseDir().resolve(Releases.BUILT_MARKER), ctx.commit() + "\n");
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.BUILD_FAILED, "cannot mark the release as built: " + e.getMessage());
    }
    ctx.nextBuild()
        .ifPresent(
            plan -> {
              NextBuildIdentity.buildId(ctx.releaseDir())
                  .ifPresent(
                      id -> {
                        ctx.buildId(id);
                        ctx.log().info("build id " + id + " (" + plan.source().wire() + ")");
                      });
            });
    return identity + assets + retried + r.output();
  }

  /**
   * Records the build's dist dir for the launcher (before the release is marked built, so the
   * launcher never reads a built release without it) and says whether the launcher's old-assets
   * fallback covers this app.
   */
  private static String oldAssetsNote(DeploymentContext ctx) throws StepFailure {
    NextBuildIdentity.NextConfig config = ctx.nextBuild().get().config();
    Optional<String> dist;
    try {
      dist = NextBuildIdentity.recordDistDir(ctx.releaseDir(), config);
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.BUILD_FAILED, "cannot record the Next.js dist dir: " + e.getMessage());
    }
    StringBuilder out = new StringBuilder();
    dist.ifPresent(
        d -> out.append("dist dir ").append(d).append(" (distDir of the app's next.config)\n"));
    var process = ctx.s().process();
    String own =
        process.script() != null
            ? "spec.process.script runs " + process.script()
            : process.ecosystem() != null
                ? "spec.process.ecosystem " + process.ecosystem() + " decides what runs"
                : null;
    String note;
    if (own != null) {
      note =
          "old /_next/static fallback: not active ("
              + own
              + ", not the operator's launcher): tabs of older releases get 404 for chunks this"
              + " release lacks";
      ctx.log().warn(note);
    } else if (config.assetPrefix() != null
        && config.assetPrefix().matches("(?i)^([a-z]+:)?//.*")) {
      note =
          "old /_next/static fallback: not reached (assetPrefix "
              + config.assetPrefix()
              + " serves assets from another host)";
      ctx.log().warn(note);
    } else {
      note = "old /_next/static fallback: active (kept releases answer chunks this one lacks)";
    }
    return out.append(note).append('\n').toString();
  }

  /** Pins the build and deployment ids of a Next.js app; returns what it did, for the output. */
  private static String pinIdentity(DeploymentContext ctx) throws StepFailure {
    if (!NextBuildIdentity.isNextApp(ctx.releaseDir())) {
      return "";
    }
    NextBuildIdentity.Plan plan;
    try {
      plan =
          NextBuildIdentity.prepare(
              ctx.tools().runner(), ctx.redactor(), ctx.releaseDir(), ctx.commit(), baseEnv(ctx));
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.BUILD_FAILED, "cannot pin the Next.js build id: " + e.getMessage());
    }
    ctx.nextBuild(plan);
    StringBuilder out = new StringBuilder();
    for (String note : plan.notes()) {
      if (note.startsWith("warning: ")) {
        ctx.log().warn(note.substring("warning: ".length()));
      } else {
        ctx.log().info(note);
      }
      out.append(note).append('\n');
    }
    return out.toString();
  }

  private static Map<String, String> baseEnv(DeploymentContext ctx) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NODE_ENV", "production");
    env.put("SYLVAN_COMMIT", ctx.commit());
    return env;
  }

  private static CommandResult build(DeploymentContext ctx) {
    Map<String, String> env = baseEnv(ctx);
    ctx.nextBuild().ifPresent(plan -> env.putAll(plan.env()));
    return ctx.run(
        CommandLine.split(ctx.s().build().command()),
        ctx.releaseDir(),
        env,
        ctx.s().build().timeout());
  }
}
