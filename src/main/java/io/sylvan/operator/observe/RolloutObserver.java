package io.sylvan.operator.observe;

import io.quarkus.runtime.StartupEvent;
import io.sylvan.operator.fleet.FleetEvents;
import io.sylvan.operator.fleet.RolloutNodeState;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutState.NodeProgress;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.state.LocalNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Turns rollout rows into metrics: on every fleet notification for an environment, the latest
 * rollout's newly started waves (wave latency) and its end (duration, result). Every agent gets
 * every notification, so only the rollout's first node (its canary) records: summed over the fleet,
 * each rollout counts once. Rollouts and waves that ended or started before this process started
 * are not recorded again.
 */
@ApplicationScoped
public class RolloutObserver {

  private static final Logger LOG = Logger.getLogger(RolloutObserver.class);

  @Inject RolloutStore store;
  @Inject FleetEvents events;
  @Inject LocalNode local;
  @Inject OperatorMetrics metrics;

  private final Instant since = Instant.now();
  private final Set<String> recorded = ConcurrentHashMap.newKeySet();

  void start(@Observes StartupEvent ignored) {
    events.onEnvironment(this::seen);
  }

  /** Called on the listen thread: one short read, never throws. */
  void seen(String env) {
    try {
      store.latest(env).ifPresent(this::record);
    } catch (Exception e) {
      LOG.debugf("rollout metrics of %s skipped: %s", env, e.getMessage());
    }
  }

  /** Records what is new in {@code r}, when this node is its recorder. */
  void record(RolloutState r) {
    if (r.nodes().isEmpty() || !r.nodes().get(0).node().equals(local.name())) {
      return;
    }
    for (int wave = 0; wave < r.waves(); wave++) {
      Optional<Duration> latency = waveLatency(r, wave);
      if (latency.isPresent()
          && startOf(r, wave).isAfter(since)
          && recorded.add(r.id() + "/wave/" + wave)) {
        metrics.waveStarted(r.environment(), latency.get());
      }
    }
    if (r.finishedAt() != null && r.finishedAt().isAfter(since) && recorded.add(r.id() + "/end")) {
      metrics.rolloutEnded(
          r.environment(), r.phase().wire(), Duration.between(r.createdAt(), r.finishedAt()));
    }
  }

  private static Instant startOf(RolloutState r, int wave) {
    return r.nodes().stream()
        .filter(n -> n.wave() == wave && n.startedAt() != null)
        .map(NodeProgress::startedAt)
        .min(Instant::compareTo)
        .orElse(Instant.MIN);
  }

  /**
   * From the wave becoming eligible (the rollout's creation for wave 0; else the last node of the
   * previous wave settling: stable, failed or skipped) to its first admission; empty while it has
   * not started.
   */
  static Optional<Duration> waveLatency(RolloutState r, int wave) {
    Optional<Instant> first =
        r.nodes().stream()
            .filter(n -> n.wave() == wave)
            .map(NodeProgress::startedAt)
            .filter(Objects::nonNull)
            .min(Instant::compareTo);
    if (first.isEmpty()) {
      return Optional.empty();
    }
    Instant eligible = r.createdAt();
    if (wave > 0) {
      Optional<Instant> settled =
          r.nodes().stream()
              .filter(n -> n.wave() == wave - 1)
              .filter(n -> n.state() != RolloutNodeState.SKIPPED)
              .map(NodeProgress::finishedAt)
              .filter(Objects::nonNull)
              .max(Instant::compareTo);
      if (settled.isEmpty()) {
        return Optional.empty();
      }
      eligible = settled.get();
    }
    Duration d = Duration.between(eligible, first.get());
    return Optional.of(d.isNegative() ? Duration.ZERO : d);
  }
}
