package io.sylvan.operator.pipeline;

import java.io.IOException;

/** Links the shared env file and points {@code current} at the release, atomically. */
final class SwitchReleaseStep implements Step {

  @Override
  public String name() {
    return "Switching current release";
  }

  @Override
  public Phase phase() {
    return Phase.DEPLOY;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    try {
      SharedEnv.link(ctx, ctx.releaseDir());
      ctx.releases().switchTo(ctx.releaseDir());
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.SWITCH_FAILED,
          "cannot switch current to " + ctx.releaseDir() + ": " + e.getMessage());
    }
    return "current -> " + ctx.root().relativize(ctx.releaseDir());
  }
}
