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
      gauge(lastSuccess, "sylvan_last_successful_deployment_timestamp_seconds", env)
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

  /** Drift seen by the loop; {@code kind} is a label such as {@code commit}. */
  public void drift(String env, String kind) {
    Counter.builder("sylvan_drift_detected")
        .description("Drift seen by the reconcile loop, by kind")
        .tag("environment", env)
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  public void status(String env, SyncStatus sync, AppHealth health) {
    gauge(synced, "sylvan_environment_synced", env).set(sync == SyncStatus.SYNCED ? 1 : 0);
    gauge(healthy, "sylvan_environment_healthy", env).set(health == AppHealth.HEALTHY ? 1 : 0);
  }

  private AtomicLong gauge(Map<String, AtomicLong> values, String name, String env) {
    return values.computeIfAbsent(
        env,
        e -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder(name, v, AtomicLong::doubleValue).tag("environment", e).register(registry);
          return v;
        });
  }
}
