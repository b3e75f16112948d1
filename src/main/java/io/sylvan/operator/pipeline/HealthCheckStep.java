package io.sylvan.operator.pipeline;

import java.util.Optional;

/** The post-deploy gate: the seed's health check, 5 tries 3 s apart by default. */
final class HealthCheckStep implements Step {

  @Override
  public String name() {
    return "Running health checks";
  }

  @Override
  public Phase phase() {
    return Phase.POST_DEPLOY;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    return ctx.options().skipHealthCheck()
        ? Optional.of("skipped by the skip-health-check option")
        : Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    HealthReport report;
    try {
      report =
          ctx.tools()
              .healthChecker()
              .check(ctx.spec(), ctx.commit(), ctx.s().healthCheck().retries());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailure(FailureCode.INTERRUPTED, "interrupted during the health check");
    }
    ctx.lastHealth(report);
    ctx.tools().healthSink().accept(ctx, report);
    if (!report.healthy()) {
      throw new StepFailure(FailureCode.HEALTH_CHECK, "health check failed: " + report.message());
    }
    ctx.log().success("Health check passed");
    return "healthy: " + report.checks() + ", response " + report.metrics().responseTime() + " ms";
  }
}
