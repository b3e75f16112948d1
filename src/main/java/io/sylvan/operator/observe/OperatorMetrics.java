package io.sylvan.operator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.LocalNode;
import io.sylvan.operator.state.SyncStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The operator's Prometheus metrics at {@code /q/metrics}, all prefixed {@code sylvan_}. */
@ApplicationScoped
public class OperatorMetrics {

  @Inject MeterRegistry registry;
  @Inject LocalNode local;

  private final Map<String, AtomicLong> synced = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> healthy = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();

  /** Per environment, the drift kinds whose episode is open (counted, not yet in sync). */
  private final Map<String, Set<String>> driftEpisodes = new ConcurrentHashMap<>();

  /**
   * One pipeline run ended.
   *
   * @param result how it ended, as a lower-case label ({@code succeeded}, {@code rolled_back}, ...)
   * @param succeeded whether it ended with the new release serving
   */
  public void deployment(String env, String result, boolean succeeded, Duration took) {
    Counter.builder("sylvan_deployments")
        .description("Pipeline runs by environment, node and result")
        .tag("environment", env)
        .tag("node", local.name())
        .tag("result", result)
        .register(registry)
        .increment();
    Timer.builder("sylvan_deployment_duration")
        .description("Wall time of pipeline runs, rollback included")
        .tag("environment", env)
        .tag("node", local.name())
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
    if (succeeded) {
      gauge(
              lastSuccess,
              "sylvan_last_successful_deployment_timestamp_seconds",
              "Unix time of the environment's last pipeline run that ended with its release"
                  + " serving",
              env)
          .set(System.currentTimeMillis() / 1000);
    }
  }

  public void rollback(String env, boolean succeeded, Duration timeToRollback) {
    Counter.builder("sylvan_rollbacks")
        .description("Automatic and manual rollbacks")
        .tag("environment", env)
        .tag("result", succeeded ? "success" : "failed")
        .register(registry)
        .increment();
    Timer.builder("sylvan_time_to_rollback")
        .description("From the failure that caused a rollback to the previous release serving")
        .tag("environment", env)
        .publishPercentileHistogram()
        .register(registry)
        .record(timeToRollback);
  }

  /**
   * A fleet rollout ended.
   *
   * @param result its final phase: {@code succeeded}, {@code aborted} or {@code reverted}
   * @param took from its creation to its end
   */
  public void rolloutEnded(String env, String result, Duration took) {
    Counter.builder("sylvan_rollouts")
        .description("Fleet rollouts by environment and how they ended (aborted, reverted, ...)")
        .tag("environment", env)
        .tag("result", result)
        .register(registry)
        .increment();
    Timer.builder("sylvan_rollout_duration")
        .description("From a rollout's creation to its end")
        .tag("environment", env)
        .tag("result", result)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  /** A wave's first node was admitted {@code latency} after the wave became eligible. */
  public void waveStarted(String env, Duration latency) {
    Timer.builder("sylvan_rollout_wave_latency")
        .description("From a wave becoming eligible (previous wave settled) to its first admission")
        .tag("environment", env)
        .publishPercentileHistogram()
        .register(registry)
        .record(latency);
  }

  public void reconcile(String env, Duration took) {
    Timer.builder("sylvan_reconcile_duration")
        .description("Time of one reconcile of one environment")
        .tag("environment", env)
        .register(registry)
        .record(took);
  }

  /**
   * The loop saw drift of {@code kind} (a label such as {@code commit}). Counted once per drift
   * episode: from the first tick that sees this kind until {@link #inSync} ends the episode; a
   * stalled environment that sees the same drift every tick is one episode. Kept in memory, so an
   * operator restart during an episode counts it again.
   */
  public void drift(String env, String kind) {
    if (!driftEpisodes.computeIfAbsent(env, e -> ConcurrentHashMap.newKeySet()).add(kind)) {
      return;
    }
    Counter.builder("sylvan_drift_detected")
        .description(
            "Drift episodes seen by the reconcile loop, by kind: counted when an environment"
                + " starts to drift, not on every tick it stays drifted (an operator restart"
                + " during an episode counts it again)")
        .tag("environment", env)
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /** The loop found {@code env} in sync: its drift episodes end. */
  public void inSync(String env) {
    Set<String> open = driftEpisodes.get(env);
    if (open != null) {
      open.clear();
    }
  }

  public void status(String env, SyncStatus sync, AppHealth health) {
    gauge(
            synced,
            "sylvan_environment_synced",
            "1 when the environment serves the commit its spec asks for (Synced), else 0",
            env)
        .set(sync == SyncStatus.SYNCED ? 1 : 0);
    gauge(
            healthy,
            "sylvan_environment_healthy",
            "1 when the environment's health is Healthy, else 0 (Progressing, Degraded, ...)",
            env)
        .set(health == AppHealth.HEALTHY ? 1 : 0);
  }

  private AtomicLong gauge(
      Map<String, AtomicLong> values, String name, String description, String env) {
    return values.computeIfAbsent(
        env,
        e -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder(name, v, AtomicLong::doubleValue)
              .description(description)
              .tag("environment", e)
              .register(registry);
          return v;
        });
  }
}
