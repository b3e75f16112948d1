package io.sylvan.operator.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The reconcile work queue: when each environment is due next, at most one run per environment at a
 * time (a request arriving meanwhile waits, and waiting requests merge into one, a person's request
 * winning over a scheduled one), and each environment's retry backoff (5 s doubling to 5 min, reset
 * when a run requeues at the interval or a person acts). Plain Java, so it is tested without
 * Quarkus: runs go to the given executor, times come from the given clock.
 */
public class WorkQueue {

  private static final Logger LOG = Logger.getLogger(WorkQueue.class);

  /** How long a running environment is kept from being due again (its end sets the real time). */
  static final Duration WHILE_RUNNING = Duration.ofDays(1);

  /** Runs one reconcile of an environment. */
  @FunctionalInterface
  public interface Runner {
    ReconcileResult run(String env, ReconcileRequest request);
  }

  /** Told when a run asks to be retried, with the backoff delay the queue chose for it. */
  @FunctionalInterface
  public interface RetryListener {
    void retrying(String env, ReconcileResult result, Duration delay);
  }

  /**
   * Asked to call {@link #submitDue} for an environment {@code after} from now, when it is due
   * again, so a short requeue (a rollout's minHealthyTime, a wave opening) is not rounded up to the
   * loop's tick. A later call for the same environment replaces the earlier one.
   */
  @FunctionalInterface
  public interface Waker {
    void wakeAfter(String env, Duration after);
  }

  private final Executor executor;
  private final Clock clock;
  private final Runner runner;
  private final RetryListener retries;
  private final Waker waker;

  // All guarded by this queue's monitor; never held while a run or a listener runs.
  private final Map<String, Instant> due = new HashMap<>();
  private final Map<String, CompletableFuture<ReconcileResult>> running = new HashMap<>();
  private final Map<String, Queued> queued = new HashMap<>();
  private final Map<String, Backoff> backoffs = new HashMap<>();
  private boolean stopping;

  public WorkQueue(Executor executor, Clock clock, Runner runner, RetryListener retries) {
    this(executor, clock, runner, retries, (env, after) -> {});
  }

  public WorkQueue(
      Executor executor, Clock clock, Runner runner, RetryListener retries, Waker waker) {
    this.executor = executor;
    this.clock = clock;
    this.runner = runner;
    this.retries = retries;
    this.waker = waker;
  }

  /**
   * Reconciles {@code env} now; when a reconcile of it is already running, this request runs right
   * after it (requests queued meanwhile collapse into one, keeping a person's action). Returns the
   * run that will carry this request.
   */
  public synchronized CompletableFuture<ReconcileResult> submit(
      String env, ReconcileRequest request) {
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

  /** Submits a scheduled reconcile of each of {@code envs} whose due time came. */
  public synchronized void submitDue(Collection<String> envs) {
    if (stopping) {
      return;
    }
    Instant now = clock.instant();
    for (String env : envs) {
      if (!due.getOrDefault(env, Instant.EPOCH).isAfter(now)) {
        submit(env, ReconcileRequest.scheduled());
      }
    }
  }

  /** Makes {@code env} due at once, whatever its requeue or retry time said. */
  public synchronized void markDue(String env) {
    due.put(env, Instant.EPOCH);
  }

  /** When {@code env} is due next ({@link Instant#EPOCH}: now, it never ran). */
  public synchronized Instant dueAt(String env) {
    return due.getOrDefault(env, Instant.EPOCH);
  }

  /** Whether a reconcile of {@code env} is running. */
  public synchronized boolean isRunning(String env) {
    return running.containsKey(env);
  }

  /** Transient failures of {@code env} in a row (the backoff's exponent). */
  public synchronized int failures(String env) {
    Backoff b = backoffs.get(env);
    return b == null ? 0 : b.failures();
  }

  /** No new runs from now on: queued requests are dropped when the running ones end. */
  public synchronized void stop() {
    stopping = true;
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

  /** Called holding the monitor. */
  private void start(
      String env, ReconcileRequest request, CompletableFuture<ReconcileResult> done) {
    due.put(env, clock.instant().plus(WHILE_RUNNING));
    if (request.personActed()) {
      // A person asked: the next failure starts the backoff from the beginning.
      backoff(env).reset();
    }
    try {
      executor.execute(() -> run(env, request, done));
    } catch (RuntimeException e) {
      running.remove(env);
      due.put(env, clock.instant());
      done.completeExceptionally(e);
    }
  }

  private void run(String env, ReconcileRequest request, CompletableFuture<ReconcileResult> done) {
    ReconcileResult result = null;
    try {
      result = runner.run(env, request);
      Duration after = after(env, result);
      if (result.kind() == ReconcileResult.Kind.RETRY) {
        retries.retrying(env, result, after);
      }
      setDue(env, after);
      waker.wakeAfter(env, after);
    } catch (RuntimeException e) {
      LOG.errorf(e, "reconcile of %s", env);
      setDue(env, Backoff.INITIAL);
    } finally {
      done.complete(result);
      startQueued(env);
    }
  }

  /** The delay before {@code env} is due again after {@code result}; updates its backoff. */
  private synchronized Duration after(String env, ReconcileResult result) {
    return switch (result.kind()) {
      case RETRY -> backoff(env).next();
      case REQUEUE -> {
        backoff(env).reset();
        yield result.requeueAfter();
      }
      case STALLED -> result.requeueAfter();
    };
  }

  private synchronized void setDue(String env, Duration after) {
    due.put(env, clock.instant().plus(after));
  }

  private synchronized void startQueued(String env) {
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

  private Backoff backoff(String env) {
    return backoffs.computeIfAbsent(env, e -> new Backoff());
  }
}
