package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Pm2Process;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies the switch from {@code jlist} and {@code /proc}: every instance must stay online with
 * the new commit, in the new release, for {@link #MIN_UPTIME} after it started, without restarting
 * since the reload and without unstable restarts. Catches apps that crash just after they start.
 *
 * <p>The wait is counted from each instance's own start ({@code pm_uptime}), not from the end of
 * the reload: after a one-at-a-time reload the youngest worker has usually been up for most of that
 * time already (its predecessor drained meanwhile), so this costs one {@code jlist} instead of a
 * fixed settle.
 */
final class VerifyReleaseStep implements Step {

  static final Duration MIN_UPTIME = Duration.ofSeconds(5);

  /** Listings at most: the first, and one after each wait for the youngest instance. */
  static final int MAX_CHECKS = 3;

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
    Map<Integer, Integer> restartsAtReload = new HashMap<>();
    for (Pm2Process p : ctx.afterReload()) {
      restartsAtReload.put(p.pmId(), p.restartTime());
    }
    Instant stepStart = Instant.now();
    for (int check = 1; ; check++) {
      List<Pm2Process> all = ctx.tools().pm2().jlist();
      List<Pm2Process> app = Pm2Process.byName(all, ctx.appName());
      String problem = ProcessCheck.problem(all, ctx, true);
      if (problem == null) {
        problem = restartedSinceReload(app, restartsAtReload);
      }
      if (problem != null) {
        throw new StepFailure(
            FailureCode.VERIFY_FAILED,
            "PM2 does not serve " + ctx.shortCommit() + " steadily: " + problem);
      }
      Duration wait = untilSettled(app, stepStart, Instant.now());
      if (wait.isZero()) {
        return "every instance online for "
            + MIN_UPTIME.toSeconds()
            + " s or more in "
            + ctx.releaseDir().getFileName()
            + " with commit "
            + ctx.shortCommit();
      }
      if (check >= MAX_CHECKS) {
        throw new StepFailure(
            FailureCode.VERIFY_FAILED,
            "PM2 does not serve "
                + ctx.shortCommit()
                + " steadily: an instance keeps being younger than "
                + MIN_UPTIME.toSeconds()
                + " s");
      }
      sleep(wait);
    }
  }

  /**
   * How long until the youngest instance has been up {@link #MIN_UPTIME}; zero when it has. An
   * instance whose start time PM2 does not report counts from {@code unknownSince}.
   */
  static Duration untilSettled(List<Pm2Process> instances, Instant unknownSince, Instant now) {
    Duration wait = Duration.ZERO;
    for (Pm2Process p : instances) {
      Instant started = p.startedAt() == null ? unknownSince : p.startedAt();
      Duration up = Duration.between(started, now);
      Duration left = MIN_UPTIME.minus(up);
      if (left.compareTo(wait) > 0) {
        wait = left;
      }
    }
    return wait;
  }

  static String restartedSinceReload(List<Pm2Process> instances, Map<Integer, Integer> before) {
    for (Pm2Process p : instances) {
      Integer was = before.get(p.pmId());
      if (was != null && p.restartTime() > was) {
        return "instance "
            + p.pmId()
            + " restarted "
            + (p.restartTime() - was)
            + " time(s) since the reload";
      }
    }
    return null;
  }

  private static void sleep(Duration d) throws StepFailure {
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailure(FailureCode.INTERRUPTED, "interrupted while verifying");
    }
  }
}
