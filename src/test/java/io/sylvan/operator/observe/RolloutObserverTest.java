package io.sylvan.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.fleet.RolloutNodeState;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutState.NodeProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Wave latency as read from the rollout rows. */
class RolloutObserverTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void waveLatencyRunsFromThePreviousWaveSettlingToTheWavesFirstAdmission() {
    RolloutState r =
        rollout(
            node("web-1", 0, RolloutNodeState.STABLE, 2, 40),
            node("web-2", 1, RolloutNodeState.STABLE, 47, 90),
            node("web-3", 1, RolloutNodeState.HEALTHY, 45, null),
            node("web-4", 2, RolloutNodeState.PENDING, null, null));

    assertThat(RolloutObserver.waveLatency(r, 0)).contains(Duration.ofSeconds(2));
    assertThat(RolloutObserver.waveLatency(r, 1)).contains(Duration.ofSeconds(5));
    assertThat(RolloutObserver.waveLatency(r, 2)).isEmpty();
  }

  @Test
  void waveLatencyIsUnknownWhileThePreviousWaveHasNotSettled() {
    RolloutState r =
        rollout(
            node("web-1", 0, RolloutNodeState.HEALTHY, 2, null),
            node("web-2", 1, RolloutNodeState.UPDATING, 30, null));

    assertThat(RolloutObserver.waveLatency(r, 1)).isEmpty();
  }

  private static NodeProgress node(
      String name, int wave, RolloutNodeState state, Integer started, Integer finished) {
    return new NodeProgress(
        name,
        wave,
        state,
        "c0",
        started == null ? null : T0.plusSeconds(started),
        null,
        finished == null ? null : T0.plusSeconds(finished),
        null,
        null,
        null);
  }

  private static RolloutState rollout(NodeProgress... nodes) {
    return new RolloutState(
        1,
        "prod",
        "c1",
        "c0",
        RolloutPhase.PROGRESSING,
        1,
        1,
        Duration.ZERO,
        Duration.ofMinutes(10),
        0,
        true,
        0,
        0,
        null,
        null,
        null,
        T0,
        T0,
        null,
        List.of(nodes));
  }
}
