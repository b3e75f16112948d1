package io.sylvan.operator.pipeline;

import java.io.IOException;

/**
 * Before the switch of a fleet rollout: this node's build id and static file digest must match the
 * other nodes' builds of the commit (browsers fetch assets by hashed name from any node).
 */
final class BuildAgreementStep implements Step {

  private final BuildAgreement agreement;

  BuildAgreementStep(BuildAgreement agreement) {
    this.agreement = agreement;
  }

  @Override
  public String name() {
    return "Checking the build agrees with the other nodes";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    String buildId = ctx.buildId().orElseGet(() -> StaticFiles.buildId(ctx.releaseDir()));
    String digest;
    try {
      digest = StaticFiles.digest(ctx.releaseDir());
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.INTERNAL, "cannot read the static files of the release: " + e.getMessage());
    }
    agreement.check(buildId, digest);
    return "build id " + buildId + ", static files " + digest + ": agrees with the rollout";
  }
}
