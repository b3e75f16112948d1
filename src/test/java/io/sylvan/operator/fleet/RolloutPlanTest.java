package io.sylvan.operator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sylvan.operator.fleet.RolloutPolicy.Amount;
import io.sylvan.operator.spec.DeploySpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The waves of a rollout from the placed nodes and the policy alone. */
class RolloutPlanTest {

  static RolloutPolicy policy(Amount canary, Amount maxParallel) {
    return new RolloutPolicy(
        canary, maxParallel, Duration.ofSeconds(30), Duration.ofMinutes(10), 0, true);
  }

  @Test
  void theDefaultsMakeOneCanaryThenOneNodePerWaveInNameOrder() {
    RolloutPlan plan = RolloutPlan.of(List.of("web-3", "web-1", "web-2"), RolloutPolicy.DEFAULT);

    assertThat(plan.waves()).containsExactly(List.of("web-1"), List.of("web-2"), List.of("web-3"));
    assertThat(plan.canary()).isEqualTo(1);
    assertThat(plan.maxParallel()).isEqualTo(1);
  }

  @Test
  void countsSplitTheNodesAfterTheCanaryIntoChunksOfMaxParallel() {
    List<String> nodes = List.of("n1", "n2", "n3", "n4", "n5", "n6");

    RolloutPlan plan = RolloutPlan.of(nodes, policy(Amount.count(2), Amount.count(3)));

    assertThat(plan.waves())
        .containsExactly(List.of("n1", "n2"), List.of("n3", "n4", "n5"), List.of("n6"));
    assertThat(plan.waveOf("n4")).isEqualTo(1);
    assertThat(plan.waveOf("other")).isEqualTo(-1);
    assertThat(plan.nodes()).containsExactlyElementsOf(nodes);
  }

  @Test
  void percentagesRoundDownButNeverBelowOneNode() {
    List<String> ten = List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9");

    RolloutPlan plan = RolloutPlan.of(ten, policy(Amount.percent(10), Amount.percent(25)));

    // 10% of 10 = 1 canary; 25% of 10 = 2.5 -> 2 per wave.
    assertThat(plan.waves()).hasSize(6);
    assertThat(plan.waves().get(0)).containsExactly("a0");
    assertThat(plan.waves().subList(1, 5)).allSatisfy(w -> assertThat(w).hasSize(2));
    assertThat(plan.waves().get(5)).containsExactly("a9");
    assertThat(Amount.percent(1).of(3)).isEqualTo(1);
    assertThat(Amount.percent(50).of(3)).isEqualTo(1);
    assertThat(Amount.percent(100).of(3)).isEqualTo(3);
  }

  @Test
  void theRolloutPlanAndTheSpecRoundAPercentageTheSameWay() {
    for (int value = 0; value <= 100; value++) {
      for (int n = 0; n <= 40; n++) {
        assertThat(Amount.percent(value).of(n))
            .as("%d%% of %d", value, n)
            .isEqualTo(DeploySpec.Rollout.Amount.percent(value).of(n));
        assertThat(Amount.count(value).of(n))
            .as("%d of %d", value, n)
            .isEqualTo(DeploySpec.Rollout.Amount.count(value).of(n));
      }
    }
    assertThat(Amount.percent(75).of(10)).isEqualTo(7);
  }

  @Test
  void aSingleNodeIsItsOwnCanaryAndTheOnlyWave() {
    RolloutPlan plan = RolloutPlan.of(List.of("only"), RolloutPolicy.DEFAULT);

    assertThat(plan.waves()).containsExactly(List.of("only"));
  }

  @Test
  void aCanaryOfAllTheNodesOrMoreIsOneWave() {
    List<String> nodes = List.of("b", "a", "c");

    assertThat(RolloutPlan.of(nodes, policy(Amount.count(3), Amount.count(1))).waves())
        .containsExactly(List.of("a", "b", "c"));
    assertThat(RolloutPlan.of(nodes, policy(Amount.count(7), Amount.count(1))).waves())
        .containsExactly(List.of("a", "b", "c"));
    assertThat(RolloutPlan.of(nodes, policy(Amount.count(7), Amount.count(1))).canary())
        .isEqualTo(3);
  }

  @Test
  void aMaxParallelLargerThanTheNodesLeftTakesThemAllInOneWave() {
    RolloutPlan plan =
        RolloutPlan.of(List.of("w1", "w2", "w3", "w4"), policy(Amount.count(1), Amount.count(9)));

    assertThat(plan.waves()).containsExactly(List.of("w1"), List.of("w2", "w3", "w4"));
    assertThat(plan.maxParallel()).isEqualTo(4);
  }

  @Test
  void noCanaryStartsWithAWaveOfMaxParallel() {
    RolloutPlan plan =
        RolloutPlan.of(List.of("w1", "w2", "w3"), policy(Amount.count(0), Amount.count(2)));

    assertThat(plan.waves()).containsExactly(List.of("w1", "w2"), List.of("w3"));
    assertThat(plan.canary()).isEqualTo(2);
  }

  @Test
  void duplicateNodeNamesCountOnce() {
    RolloutPlan plan = RolloutPlan.of(List.of("w1", "w1", "w2"), RolloutPolicy.DEFAULT);

    assertThat(plan.nodes()).containsExactly("w1", "w2");
  }

  @Test
  void aPolicyThatCouldNeverProgressIsRejectedNamingTheField() {
    assertThatThrownBy(() -> policy(Amount.count(1), Amount.count(0)))
        .hasMessageContaining("rollout.maxParallel");
    assertThatThrownBy(() -> Amount.percent(120)).hasMessageContaining("120%");
    assertThatThrownBy(
            () ->
                new RolloutPolicy(
                    Amount.count(1),
                    Amount.count(1),
                    Duration.ofSeconds(-1),
                    Duration.ZERO,
                    0,
                    true))
        .hasMessageContaining("rollout.minHealthyTime");
    assertThatThrownBy(
            () ->
                new RolloutPolicy(
                    Amount.count(1), Amount.count(1), Duration.ZERO, Duration.ZERO, -1, true))
        .hasMessageContaining("rollout.maxFailures");
  }
}
