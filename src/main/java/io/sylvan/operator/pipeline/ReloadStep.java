package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.Pm2;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.state.DeploymentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Applies the PM2 process definition: {@code start} on an initial deployment, otherwise a reload
 * (one instance at a time, {@code --update-env}). PM2 exits 0 on failures, so each attempt is
 * judged by {@code jlist}; 3 attempts 5 s apart (seed).
 */
final class ReloadStep implements Step {

  static final int ATTEMPTS = 3;
  static final Duration RETRY_DELAY = Duration.ofSeconds(5);
  static final Duration PM2_TIMEOUT = Duration.ofMinutes(3);

  @Override
  public String name() {
    return "Reloading PM2";
  }

  @Override
  public Phase phase() {
    return Phase.DEPLOY;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Pm2 pm2 = ctx.tools().pm2();
    Map<String, String> env = ctx.processEnv();
    StringBuilder out = new StringBuilder();
    String problem = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      List<Pm2Process> before = Pm2Process.byName(pm2.jlist(), ctx.appName());
      int want = ctx.s().process().instances();
      if (!before.isEmpty() && before.size() != want) {
        // Instances removed out of band, or a new count in the spec: reload alone keeps the count.
        ctx.log()
            .info(
                "Scaling "
                    + ctx.appName()
                    + " from "
                    + before.size()
                    + " to "
                    + want
                    + " instances");
        out.append(pm2.scale(ctx.appName(), want, PM2_TIMEOUT).output());
      }
      CommandResult r;
      if (before.isEmpty()) {
        ctx.log().info("Starting " + ctx.appName() + " under PM2 (attempt " + attempt + ")");
        r = pm2.start(ctx.ecosystemFile(), ctx.appName(), env, PM2_TIMEOUT);
      } else if (ctx.type() == DeploymentType.ROLLBACK) {
        // Off a bad release fast: all instances at once (the cwd is the `current` link, so the
        // ecosystem file has nothing new to say).
        ctx.log()
            .info(
                "Reloading all instances of "
                    + ctx.appName()
                    + " at once (attempt "
                    + attempt
                    + ")");
        r = pm2.reloadAll(ctx.appName(), env, want, PM2_TIMEOUT);
      } else {
        ctx.log()
            .info(
                "Reloading " + ctx.appName() + " one instance at a time (attempt " + attempt + ")");
        r = pm2.startOrReload(ctx.ecosystemFile(), ctx.appName(), env, PM2_TIMEOUT);
      }
      out.append(r.output());
      List<Pm2Process> after = pm2.jlist();
      problem = ProcessCheck.problem(after, ctx, false);
      if (problem == null) {
        ctx.afterReload(Pm2Process.byName(after, ctx.appName()));
        return out.toString();
      }
      ctx.log()
          .warn(
              "PM2 "
                  + (before.isEmpty() ? "start" : "reload")
                  + " attempt "
                  + attempt
                  + ": "
                  + problem);
      if (attempt < ATTEMPTS) {
        sleep(RETRY_DELAY);
      }
    }
    throw new StepFailure(
        FailureCode.RELOAD_FAILED,
        "PM2 did not run " + ctx.shortCommit() + " after " + ATTEMPTS + " attempts: " + problem,
        out.toString());
  }

  private static void sleep(Duration d) throws StepFailure {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailure(
          FailureCode.INTERRUPTED, "interrupted while waiting to retry the reload");
    }
  }
}
