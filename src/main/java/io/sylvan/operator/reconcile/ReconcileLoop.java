package io.sylvan.operator.reconcile;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.fleet.FleetEvents;
import io.sylvan.operator.runtime.WorkerPools;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drives the {@link Reconciler}: a scheduler tick (the heartbeat liveness reads) has the {@link
 * SpecPoller} read the spec source when due and {@link CrashRecovery} sweep, and hands every
 * environment whose time came to the {@link WorkQueue}; webhooks and API calls reconcile at once.
 * Never two reconciles of one environment at a time in this JVM (and the environment lock covers
 * other operator instances).
 */
@ApplicationScoped
public class ReconcileLoop {

  @Inject OperatorConfig config;
  @Inject SpecPoller poller;
  @Inject CrashRecovery recovery;
  @Inject EnvironmentService environments;
  @Inject StatusWriter status;
  @Inject Reconciler reconciler;
  @Inject FleetEvents fleetEvents;

  private final ExecutorService workers = WorkerPools.daemonPool("sylvan-reconcile");
  private final ScheduledExecutorService timers = WorkerPools.daemonTimer("sylvan-reconcile-timer");
  private final Map<String, ScheduledFuture<?>> wakes = new ConcurrentHashMap<>();
  private final WorkQueue queue =
      new WorkQueue(
          workers,
          Clock.systemUTC(),
          (env, r) -> reconciler.reconcile(env, r),
          this::retrying,
          this::wakeAfter);
  private volatile Instant lastTick = Instant.now();
  private volatile boolean stopping;
  private final AtomicBoolean polling = new AtomicBoolean();

  void onStart(@Observes StartupEvent ev) {
    lastTick = Instant.now();
    fleetEvents.onEnvironment(this::fleetEvent);
    poller.onChanged(queue::markDue);
    refreshSpecs();
    recoverInterrupted();
  }

  void onStop(@Observes ShutdownEvent ev) {
    stopping = true;
    queue.stop();
    timers.shutdownNow();
    WorkerPools.stop(workers, "a reconcile");
  }

  /** The loop's heartbeat; liveness fails when it stops beating. */
  public Instant lastTick() {
    return lastTick;
  }

  public Duration tickInterval() {
    return config.reconcile().tick();
  }

  @Scheduled(
      every = "${sylvan.reconcile.tick:2s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = LoopDisabled.class)
  void tick() {
    lastTick = Instant.now();
    if (stopping) {
      return;
    }
    if (poller.due() && polling.compareAndSet(false, true)) {
      // Reading specs and sweeping interrupted runs touch git and the database, either of which
      // may hang for seconds (a database outage: the pool's acquisition timeout); the heartbeat
      // must not wait for them, so they run on a worker that reconciles what is due when done.
      try {
        workers.execute(
            () -> {
              try {
                refreshSpecs();
                recoverInterrupted();
                submitDue();
              } finally {
                polling.set(false);
              }
            });
      } catch (RuntimeException e) {
        polling.set(false);
      }
    }
    submitDue();
  }

  /**
   * A requeue runs on time instead of at the next tick (up to one tick late): the next wave of a
   * rollout opens within the second its minHealthyTime ends. The tick stays the fallback.
   */
  private void wakeAfter(String env, Duration after) {
    if (stopping) {
      return;
    }
    // A few ms past the due instant, so the queue sees it due.
    ScheduledFuture<?> next =
        timers.schedule(
            () -> {
              Optional<SpecSnapshot> snapshot = poller.current();
              if (!stopping && snapshot.isPresent() && snapshot.get().valid().containsKey(env)) {
                queue.submitDue(List.of(env));
              }
            },
            after.toMillis() + 5,
            TimeUnit.MILLISECONDS);
    ScheduledFuture<?> before = wakes.put(env, next);
    if (before != null) {
      before.cancel(false);
    }
  }

  /** Reconciles every environment whose requeue time came. */
  private void submitDue() {
    Optional<SpecSnapshot> snapshot = poller.current();
    if (snapshot.isEmpty() || stopping) {
      return;
    }
    queue.submitDue(snapshot.get().valid().keySet());
  }

  /** Reads the spec source now (webhook), records it, and reconciles what changed at once. */
  public SpecSnapshot refreshNow(Trigger trigger) {
    Optional<SpecSnapshot> s = refreshSpecs();
    s.ifPresent(
        snap -> snap.valid().keySet().forEach(env -> submit(env, ReconcileRequest.of(trigger))));
    return s.orElseGet(() -> poller.current().orElse(null));
  }

  /**
   * Reconciles {@code env} now; when a reconcile of it is already running, this request runs right
   * after it (requests queued meanwhile collapse into one, keeping a person's action). Returns the
   * run that will carry this request.
   */
  public CompletableFuture<ReconcileResult> submit(String env, ReconcileRequest request) {
    return queue.submit(env, request);
  }

  /**
   * Another agent (or this one) changed something of {@code env} in the database, such as a rollout
   * step: reconcile it now instead of at its next due time. Polling stays the fallback.
   */
  void fleetEvent(String env) {
    if (stopping || !config.reconcile().enabled()) {
      return;
    }
    Optional<SpecSnapshot> snapshot = poller.current();
    if (snapshot.isPresent() && snapshot.get().valid().containsKey(env)) {
      submit(env, ReconcileRequest.scheduled());
    }
  }

  /** Reads and records the specs; a new desired state is reconciled at once, whatever is due. */
  private Optional<SpecSnapshot> refreshSpecs() {
    // What changed is marked due by the poller's listener (set at start).
    return poller.refresh().map(SpecPoller.Read::snapshot);
  }

  /** Crash recovery (see {@link CrashRecovery}): recovered environments are reconciled at once. */
  void recoverInterrupted() {
    recovery.sweep().forEach(queue::markDue);
  }

  /** A run asked to be retried: the status says why and when (the queue chose the delay). */
  private void retrying(String env, ReconcileResult result, Duration delay) {
    status.retrying(env, result.reason(), result.message(), delay);
  }

  /** Lets tests and a config switch turn the scheduled loop off. */
  @ApplicationScoped
  public static class LoopDisabled implements Scheduled.SkipPredicate {
    @Inject OperatorConfig config;

    @Override
    public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
      return !config.reconcile().enabled();
    }
  }
}
