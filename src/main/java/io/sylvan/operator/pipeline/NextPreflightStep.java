package io.sylvan.operator.pipeline;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * Checks a built Next.js release before any traffic ({@link NextPreflight}): a failing check halts
 * the deployment with {@link FailureCode#PREFLIGHT_FAILED} and names the fix; what cannot be
 * decided is logged as a warning in the step output.
 */
final class NextPreflightStep implements Step {

  @Override
  public String name() {
    return "Checking the Next.js build";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    boolean next =
        NextBuildIdentity.isNextApp(ctx.releaseDir())
            || Files.isDirectory(ctx.releaseDir().resolve(".next"));
    return next ? Optional.empty() : Optional.of("not a Next.js app (no next in node_modules)");
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    NextPreflight.Inputs in =
        new NextPreflight.Inputs(
            ctx.envValues(),
            ctx.envFile().toString(),
            ctx.s().process().instances(),
            ctx.s().process().script(),
            ctx.nextBuild()
                .map(NextBuildIdentity.Plan::config)
                .orElse(NextBuildIdentity.NextConfig.none()));
    List<NextPreflight.Finding> findings = NextPreflight.check(ctx.releaseDir(), in);
    StringBuilder out = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    for (NextPreflight.Finding f : findings) {
      String line = f.check().name() + ": " + f.message();
      if (f.fatal()) {
        ctx.log().error(line);
        errors.append(errors.isEmpty() ? "" : "; ").append(line);
      } else {
        ctx.log().warn(line);
      }
      out.append(f.fatal() ? "error " : "warning ").append(line).append('\n');
    }
    if (!errors.isEmpty()) {
      throw new StepFailure(
          FailureCode.PREFLIGHT_FAILED, "Next.js preflight: " + errors, out.toString());
    }
    return out.isEmpty()
        ? "Server Actions key, standalone assets, sharp: nothing to report"
        : out.toString();
  }
}
