package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Checks the target commit out into a new release directory beside the serving one. */
final class CheckoutStep implements Step {

  @Override
  public String name() {
    return "Checking out the release";
  }

  @Override
  public Phase phase() {
    return Phase.PRE_DEPLOY;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path release = ctx.releaseDir();
    Path mirror = ctx.tools().mirrorFor(ctx.s().source().repository());
    try {
      ctx.tools().git().checkout(mirror, ctx.commit(), release, Duration.ofMinutes(5));
    } catch (RuntimeException e) {
      throw new StepFailure(
          FailureCode.CHECKOUT_FAILED,
          "cannot check out " + ctx.shortCommit() + ": " + e.getMessage());
    }
    ctx.version(readVersion(release));
    try {
      SharedEnv.link(ctx, release);
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.ENV_LINK_FAILED,
          "cannot link the env file into " + release + ": " + e.getMessage());
    }
    return "checked out "
        + ctx.commit()
        + " into "
        + release
        + ctx.version().map(v -> " (version " + v + ")").orElse("");
  }

  static String readVersion(Path release) {
    Path pkg = release.resolve("package.json");
    if (!Files.isRegularFile(pkg)) {
      return null;
    }
    try {
      JsonNode v = new ObjectMapper().readTree(pkg.toFile()).get("version");
      return v == null ? null : v.asText();
    } catch (IOException e) {
      return null;
    }
  }
}
