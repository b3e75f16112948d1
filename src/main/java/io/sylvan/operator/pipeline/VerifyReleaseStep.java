package io.sylvan.operator.pipeline;

import java.time.Duration;

/**
 * Verifies the switch from {@code jlist} and {@code /proc}: a moment after the reload every
 * instance must still be online with the new commit, in the new release, without unstable restarts.
 * Catches apps that crash just after they start.
 */
final class VerifyReleaseStep implements Step {

  static final Duration SETTLE = Duration.ofMillis(1500);
  static final int CHECKS = 2;

  @Override
  public String name() {
    return "Verifying release under PM2";
  }

  @Override
  public Phase phase() {
    return Phase.DEPLOY;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    for (int i = 0; i < CHECKS; i++) {
      try {
        Thread.sleep(SETTLE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StepFailure("INTERRUPTED", "interrupted while verifying");
      }
      String problem = ProcessCheck.problem(ctx.tools().pm2().jlist(), ctx, true);
      if (problem != null) {
        throw new StepFailure(
            "VERIFY_FAILED", "PM2 does not serve " + ctx.shortCommit() + " steadily: " + problem);
      }
    }
    return "every instance online in "
        + ctx.releaseDir().getFileName()
        + " with commit "
        + ctx.shortCommit();
  }
}
