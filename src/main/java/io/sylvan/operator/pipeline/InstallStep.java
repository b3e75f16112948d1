package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.PackageManager;
import io.sylvan.operator.spec.CommandLine;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Installs dependencies as the lockfile asks ({@code npm ci}, ...) or with the spec's command. */
final class InstallStep implements Step {

  @Override
  public String name() {
    return "Installing dependencies";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    return ctx.nodeModulesReused()
        ? Optional.of("lockfile unchanged: node_modules reused from the serving release")
        : Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    List<String> argv;
    if (ctx.s().build().autoInstall()) {
      PackageManager pm =
          PackageManager.detect(ctx.releaseDir())
              .orElseThrow(
                  () ->
                      new StepFailure(
                          FailureCode.NO_LOCKFILE, "no lockfile in " + ctx.releaseDir()));
      argv = pm.installArgv();
    } else {
      argv = CommandLine.split(ctx.s().build().install());
    }
    // No NODE_ENV=production here: builds need devDependencies (TypeScript, PostCSS, ...).
    CommandResult r = ctx.run(argv, ctx.releaseDir(), Map.of(), ctx.s().build().timeout());
    if (!r.ok()) {
      throw new StepFailure(
          FailureCode.INSTALL_FAILED, "dependency install failed: " + r.describe(), r.tail(8000));
    }
    return r.output();
  }
}
