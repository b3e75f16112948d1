package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.spec.CommandLine;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * Builds the new release while the old one serves. {@code SYLVAN_COMMIT} is set so the app's {@code
 * next.config.js} can use it as Next's {@code deploymentId} (skew protection).
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
    Map<String, String> env = Map.of("NODE_ENV", "production", "SYLVAN_COMMIT", ctx.commit());
    CommandResult r =
        ctx.run(
            CommandLine.split(ctx.s().build().command()),
            ctx.releaseDir(),
            env,
            ctx.s().build().timeout());
    if (!r.ok()) {
      throw new StepFailure(
          r.timedOut() ? "BUILD_TIMEOUT" : "BUILD_FAILED",
          "build failed: " + r.describe(),
          r.tail(8000));
    }
    try {
      Files.writeString(ctx.releaseDir().resolve(Releases.BUILT_MARKER), ctx.commit() + "\n");
    } catch (IOException e) {
      throw new StepFailure("BUILD_FAILED", "cannot mark the release as built: " + e.getMessage());
    }
    return r.output();
  }
}
