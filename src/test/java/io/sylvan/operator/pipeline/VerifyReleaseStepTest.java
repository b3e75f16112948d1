package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Pm2Process;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The settle rule of {@link VerifyReleaseStep} on its own; the step against a real PM2 runs in
 * UpdatePipelineTest (an app that crashes on start is rolled back).
 */
class VerifyReleaseStepTest {

  static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  static Pm2Process instance(int id, Instant startedAt, int restarts) {
    return new Pm2Process(
        "app",
        id,
        1000 + id,
        Pm2Process.Status.ONLINE,
        restarts,
        0,
        "/srv/app/current",
        "cluster_mode",
        2,
        NOW.minusSeconds(3600),
        startedAt,
        1L << 26,
        0.5,
        Map.of());
  }

  @Test
  void needsNoWaitWhenEveryInstanceHasBeenUpLongEnough() {
    List<Pm2Process> up =
        List.of(instance(0, NOW.minusSeconds(9), 1), instance(1, NOW.minusSeconds(5), 1));
    assertThat(VerifyReleaseStep.untilSettled(up, NOW, NOW)).isZero();
  }

  @Test
  void waitsUntilTheYoungestInstanceHasBeenUpTheMinimum() {
    List<Pm2Process> up =
        List.of(instance(0, NOW.minusSeconds(9), 1), instance(1, NOW.minusMillis(3200), 1));
    assertThat(VerifyReleaseStep.untilSettled(up, NOW, NOW)).isEqualTo(Duration.ofMillis(1800));
  }

  @Test
  void countsAnInstanceWithoutAStartTimeFromTheStartOfTheCheck() {
    List<Pm2Process> up = List.of(instance(0, null, 1));
    assertThat(VerifyReleaseStep.untilSettled(up, NOW.minusSeconds(2), NOW))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(VerifyReleaseStep.untilSettled(up, NOW.minusSeconds(6), NOW)).isZero();
  }

  @Test
  void reportsAnInstanceThatRestartedSinceTheReload() {
    List<Pm2Process> now =
        List.of(instance(0, NOW.minusSeconds(9), 3), instance(1, NOW.minusSeconds(1), 5));
    assertThat(VerifyReleaseStep.restartedSinceReload(now, Map.of(0, 3, 1, 4)))
        .isEqualTo("instance 1 restarted 1 time(s) since the reload");
    assertThat(VerifyReleaseStep.restartedSinceReload(now, Map.of(0, 3, 1, 5))).isNull();
    // an instance the reload did not list (scaled up meanwhile) is judged by the other checks
    assertThat(VerifyReleaseStep.restartedSinceReload(now, Map.of())).isNull();
  }
}
