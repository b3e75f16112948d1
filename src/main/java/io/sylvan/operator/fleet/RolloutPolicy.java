package io.sylvan.operator.fleet;

import io.sylvan.operator.spec.DeploySpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How a commit rolls out over the placed nodes: the fields of the spec's {@code rollout} section
 * (kept here so the fleet package does not wait for the spec model; the reconciler maps one to the
 * other).
 *
 * @param canary nodes updated first, alone in wave 0 (0 = no canary wave)
 * @param maxParallel nodes per wave after the canary (at least 1)
 * @param minHealthyTime how long a node stays healthy before its wave counts as done
 * @param progressDeadline how long an updating node whose agent lost its lease is waited for
 * @param maxFailures failed nodes tolerated before the rollout stops
 * @param autoRevert whether a stopped rollout puts the switched nodes back
 */
public record RolloutPolicy(
    Amount canary,
    Amount maxParallel,
    Duration minHealthyTime,
    Duration progressDeadline,
    int maxFailures,
    boolean autoRevert) {

  public static final RolloutPolicy DEFAULT =
      new RolloutPolicy(
          Amount.count(1),
          Amount.count(1),
          Duration.ofSeconds(30),
          Duration.ofMinutes(10),
          0,
          true);

  public RolloutPolicy {
    Objects.requireNonNull(canary, "rollout.canary");
    Objects.requireNonNull(maxParallel, "rollout.maxParallel");
    if (maxParallel.value() == 0) {
      throw new IllegalArgumentException("rollout.maxParallel: must be at least 1, not 0");
    }
    requireNonNegative(minHealthyTime, "rollout.minHealthyTime");
    requireNonNegative(progressDeadline, "rollout.progressDeadline");
    if (maxFailures < 0) {
      throw new IllegalArgumentException(
          "rollout.maxFailures: must be 0 or more, not " + maxFailures);
    }
  }

  private static void requireNonNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + ": must not be negative, not " + d);
    }
  }

  /** A count or a percentage of the placed nodes. */
  public record Amount(int value, boolean percent) {

    public Amount {
      if (value < 0 || (percent && value > 100)) {
        throw new IllegalArgumentException(
            "not a node count or percentage: " + value + (percent ? "%" : ""));
      }
    }

    public static Amount count(int n) {
      return new Amount(n, false);
    }

    public static Amount percent(int p) {
      return new Amount(p, true);
    }

    /** Of n nodes: the spec's rule, {@link DeploySpec.Rollout.Amount#of(int, boolean, int)}. */
    public int of(int n) {
      return DeploySpec.Rollout.Amount.of(value, percent, n);
    }

    @Override
    public String toString() {
      return value + (percent ? "%" : "");
    }
  }
}
