package io.sylvan.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class ReconcileLoopHealthCheckTest {

  static final Duration TICK = Duration.ofSeconds(2);
  static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  @Test
  void staysUpWhileTheLoopTicks() {
    HealthCheckResponse r = ReconcileLoopHealthCheck.evaluate(NOW.minusSeconds(5), TICK, NOW);
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
  }

  @Test
  void goesDownWhenNoTickHappenedForThreeIntervals() {
    HealthCheckResponse r = ReconcileLoopHealthCheck.evaluate(NOW.minusSeconds(7), TICK, NOW);
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    assertThat(r.getData().orElseThrow().get("reason").toString())
        .contains("no reconcile tick for 7s");
  }
}
