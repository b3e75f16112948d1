package io.sylvan.operator.reconcile;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.runtime.WorkerPools;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.spec.SpecSourceException;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.EnvironmentLock;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Drives the {@link Reconciler}: a scheduler tick reads the spec source when due and reconciles
 * every environment whose requeue time came or whose desired state changed; webhooks and API calls
 * reconcile at once. Never two reconciles of one environment at a time in this JVM (and the
 * environment lock covers other operator instances).
 */
@ApplicationScoped
public class ReconcileLoop {

  private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);

  @Inject OperatorConfig config;
  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;
  @Inject DeploymentRecorder recorder;
  @Inject EnvironmentLock locks;
  @Inject Reconciler reconciler;

  private final Map<String, Instant> due = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<ReconcileResult>> running = new ConcurrentHashMap<>();
  private final Map<String, String> lastDesired = new ConcurrentHashMap<>();
  private final AtomicInteger threads = new AtomicInteger();
  private final ExecutorService workers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sylvan-reconcile-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
  private volatile Instant lastTick = Instant.now();
  private volatile Instant lastSpecRead = Instant.EPOCH;
  private volatile boolean stopping;
  private final AtomicBoolean polling = new AtomicBoolean();
  private final Object recovery = new Object();
  private volatile boolean startupRecoveryDone;

  void onStart(@Observes StartupEvent ev) {
    lastTick = Instant.now();
    refreshSpecs();
    recoverInterrupted();
  }

  void onStop(@Observes ShutdownEvent ev) {
    stopping = true;
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
    if (Duration.between(lastSpecRead, Instant.now()).compareTo(config.specs().pollInterval()) >= 0
        && polling.compareAndSet(false, true)) {
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

  /** Reconciles every environment whose requeue time came. */
  private void submitDue() {
    Optional<SpecSnapshot> snapshot = specs.current();
    if (snapshot.isEmpty() || stopping) {
      return;
    }
    // Not on this object's monitor: refreshSpecs holds that one while it reads (maybe for long).
    synchronized (due) {
      Instant now = Instant.now();
      for (String env : snapshot.get().valid().keySet()) {
        if (!due.getOrDefault(env, Instant.EPOCH).isAfter(now)) {
          submit(env, ReconcileRequest.scheduled());
        }
      }
    }
  }

  /** Reads the spec source now (webhook), records it, and reconciles what changed at once. */
  public SpecSnapshot refreshNow(Trigger trigger) {
    Optional<SpecSnapshot> s = refreshSpecs();
    s.ifPresent(
        snap -> snap.valid().keySet().forEach(env -> submit(env, ReconcileRequest.of(trigger))));
    return s.orElseGet(() -> specs.current().orElse(null));
  }

  /**
   * Reconciles {@code env} now; when a reconcile of it is already running, this request runs right
   * after it (requests queued meanwhile collapse into one, keeping a person's action). Returns the
   * run that will carry this request.
   */
  public CompletableFuture<ReconcileResult> submit(String env, ReconcileRequest request) {
    synchronized (running) {
      CompletableFuture<ReconcileResult> current = running.get(env);
      if (current != null) {
        Queued q = queued.merge(env, new Queued(request, new CompletableFuture<>()), Queued::merge);
        return q.done();
      }
      CompletableFuture<ReconcileResult> fresh = new CompletableFuture<>();
      running.put(env, fresh);
      start(env, request, fresh);
      return fresh;
    }
  }

  /** A request waiting for the running reconcile of its environment. */
  private record Queued(ReconcileRequest request, CompletableFuture<ReconcileResult> done) {
    Queued merge(Queued later) {
      // A person's request wins over a scheduled one; its options are the ones asked for.
      ReconcileRequest keep =
          later.request.personActed() || !request.personActed() ? later.request : request;
      later.done.whenComplete((r, e) -> done.complete(r));
      return new Queued(keep, done);
    }
  }

  private final Map<String, Queued> queued = new ConcurrentHashMap<>();

  private void start(
      String env, ReconcileRequest request, CompletableFuture<ReconcileResult> done) {
    due.put(env, Instant.now().plus(Duration.ofDays(1)));
    try {
      workers.execute(
          () -> {
            ReconcileResult result = null;
            try {
              if (request.personActed()) {
                backoff(env).reset();
              }
              result = reconciler.reconcile(env, request);
              due.put(env, Instant.now().plus(delay(env, result)));
            } catch (RuntimeException e) {
              LOG.errorf(e, "reconcile of %s", env);
              due.put(env, Instant.now().plus(Backoff.INITIAL));
            } finally {
              done.complete(result);
              startQueued(env);
            }
          });
    } catch (RuntimeException e) {
      synchronized (running) {
        running.remove(env);
      }
      due.put(env, Instant.now());
      done.completeExceptionally(e);
    }
  }

  private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();

  private Backoff backoff(String env) {
    return backoffs.computeIfAbsent(env, e -> new Backoff());
  }

  /** When to look again: a retry backs off, a requeue resets the backoff, a stall keeps it. */
  private Duration delay(String env, ReconcileResult result) {
    return switch (result.kind()) {
      case RETRY -> backoff(env).next();
      case REQUEUE -> {
        backoff(env).reset();
        yield result.requeueAfter();
      }
      case STALLED -> result.requeueAfter();
    };
  }

  private void startQueued(String env) {
    synchronized (running) {
      Queued next = queued.remove(env);
      if (next == null || stopping) {
        running.remove(env);
        if (next != null) {
          next.done().complete(null);
        }
        return;
      }
      running.put(env, next.done());
      start(env, next.request(), next.done());
    }
  }

  /** One reader at a time: the tick, a webhook and startup may all ask at once. */
  private synchronized Optional<SpecSnapshot> refreshSpecs() {
    lastSpecRead = Instant.now();
    SpecSnapshot snap;
    try {
      snap = specs.refresh();
    } catch (SpecSourceException e) {
      // The catalog keeps the last good view and the status says the source is unreadable.
      LOG.warnf("spec source: %s", e.getMessage());
      return Optional.empty();
    }
    try {
      environments.applySnapshot(snap);
      for (var e : snap.valid().entrySet()) {
        String desired = e.getValue().spec().source().commit();
        String before = lastDesired.put(e.getKey(), desired);
        if (before != null && !before.equals(desired)) {
          // A new desired state: reconcile at once, whatever the requeue time says.
          due.put(e.getKey(), Instant.EPOCH);
        }
      }
      return Optional.of(snap);
    } catch (RuntimeException e) {
      // Most likely the database is down: readiness says so; the next read records it.
      LOG.warnf("cannot record the spec view in the database: %s", e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Crash recovery: deployments left {@code in_progress} with nobody running them are closed as
   * failed and their environments reconciled at once. The first sweep after start (at startup, or
   * at a later spec poll when the database did not answer then) finds those of a dead operator
   * (OPERATOR_RESTARTED); later sweeps, at each spec poll, those of a run that lost its database in
   * the middle and could not record its end (INTERRUPTED). A run holds its environment's lock from
   * before its row exists until after its end is recorded, so an environment whose lock is held (by
   * this JVM or another operator instance) is left alone.
   */
  void recoverInterrupted() {
    synchronized (recovery) {
      boolean atStartup = !startupRecoveryDone;
      FailureCode code = atStartup ? FailureCode.OPERATOR_RESTARTED : FailureCode.INTERRUPTED;
      String message =
          atStartup
              ? "the operator stopped during this deployment"
              : "this deployment lost its operator (no run holds the environment's lock)";
      String reason = code.reason();
      try {
        for (String env : recorder.environmentsInProgress()) {
          try (var lock = locks.tryLock(env).orElse(null)) {
            if (lock == null) {
              continue;
            }
            int closed = recorder.closeInterrupted(env, code.name(), message);
            if (closed > 0) {
              LOG.warnf("[%s] closed %d interrupted deployment(s); reconciling now", env, closed);
              environments.update(
                  env,
                  e ->
                      e.markReconciling(
                          reason, "a deployment was interrupted (" + message + "); reconciling"));
              due.put(env, Instant.EPOCH);
            }
          }
        }
        startupRecoveryDone = true;
      } catch (Exception e) {
        LOG.warnf("crash recovery postponed to the next spec poll: %s", e.getMessage());
      }
    }
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
