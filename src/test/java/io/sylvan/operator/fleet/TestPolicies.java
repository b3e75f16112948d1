package io.sylvan.operator.fleet;

import java.time.Duration;

/** Rollout policies for tests that write rollout rows directly through {@link RolloutStore}. */
public final class TestPolicies {

  private TestPolicies() {}

  /**
   * One canary, then waves of {@code maxParallel} nodes; no minimum healthy time, ten minutes to
   * progress, no failure tolerated, reverted on failure.
   */
  public static RolloutPolicy canaryThen(int maxParallel) {
    return new RolloutPolicy(
        RolloutPolicy.Amount.count(1),
        RolloutPolicy.Amount.count(maxParallel),
        Duration.ZERO,
        Duration.ofMinutes(10),
        0,
        true);
  }
}
