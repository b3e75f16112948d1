package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.state.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The work queue without Quarkus: runs wait in a hand-driven executor and time is a settable clock,
 * so due times, merging, the backoff and one-run-per-environment are checked deterministically.
 */
class WorkQueueTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration INTERVAL = Duration.ofSeconds(30);

  /** Holds submitted runs until the test runs them. */
  private static final class ManualExecutor implements Executor {
    final Deque<Runnable> pending = new ArrayDeque<>();
    boolean reject;

    @Override
    public void execute(Runnable r) {
      if (reject) {
        throw new RejectedExecutionException("stopped");
      }
      pending.add(r);
    }

    void runNext() {
      pending.removeFirst().run();
    }
  }

  /** A clock the test moves. */
  private static final class MutableClock extends Clock {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private record Run(String env, ReconcileRequest request) {}

  private record Retry(String env, String message, Duration delay) {}

  private final ManualExecutor executor = new ManualExecutor();
  private final MutableClock clock = new MutableClock();
  private final List<Run> runs = new ArrayList<>();
  private final List<Retry> retries = new ArrayList<>();
  private final Deque<ReconcileResult> results = new ArrayDeque<>();
  private final List<String> wakes = new ArrayList<>();

  private final WorkQueue queue =
      new WorkQueue(
          executor,
          clock,
          (env, request) -> {
            runs.add(new Run(env, request));
            ReconcileResult r = results.pollFirst();
            if (r == null) {
              throw new IllegalStateException("the reconciler failed unexpectedly");
            }
            return r;
          },
          (env, result, delay) -> retries.add(new Retry(env, result.message(), delay)),
          (env, after) -> wakes.add(env + " in " + after));

  private static ReconcileResult requeue() {
    return new ReconcileResult(ReconcileResult.Kind.REQUEUE, INTERVAL, "Succeeded", "in sync");
  }

  private static ReconcileResult retry() {
    return ReconcileResult.retry("SourceUnavailable", "cannot fetch");
  }

  private static ReconcileResult stalled() {
    return new ReconcileResult(ReconcileResult.Kind.STALLED, INTERVAL, "Stalled", "failed before");
  }

  /** Runs one retry of {@code env} and returns the delay the queue chose. */
  private Duration failOnce(String env) {
    results.add(retry());
    queue.submit(env, ReconcileRequest.scheduled());
    executor.runNext();
    return retries.get(retries.size() - 1).delay();
  }

  @Test
  void anEnvironmentThatNeverRanIsDueAtOnceAndNotAgainWhileItRuns() {
    queue.submitDue(List.of("prod", "staging"));

    assertThat(executor.pending).hasSize(2);
    assertThat(queue.isRunning("prod")).isTrue();
    queue.submitDue(List.of("prod", "staging"));
    assertThat(executor.pending).as("no second run while one runs").hasSize(2);
    assertThat(queue.dueAt("prod")).isAfter(T0.plus(Duration.ofHours(1)));
  }

  @Test
  void aRequeuedEnvironmentIsDueAfterTheIntervalItAskedFor() {
    results.add(requeue());
    queue.submitDue(List.of("prod"));
    executor.runNext();

    assertThat(queue.isRunning("prod")).isFalse();
    assertThat(queue.dueAt("prod")).isEqualTo(T0.plus(INTERVAL));
    clock.now = T0.plus(INTERVAL).minusMillis(1);
    queue.submitDue(List.of("prod"));
    assertThat(executor.pending).isEmpty();
    clock.now = T0.plus(INTERVAL);
    queue.submitDue(List.of("prod"));
    assertThat(executor.pending).hasSize(1);
    assertThat(runs).hasSize(1);
  }

  @Test
  void theWakerIsAskedToComeBackWhenEachRunSaysItIsDueAgain() {
    results.add(
        new ReconcileResult(
            ReconcileResult.Kind.REQUEUE, Duration.ofMillis(300), "RolloutWaiting", "wave 1"));
    results.add(retry());
    queue.submitDue(List.of("prod"));
    executor.runNext();
    clock.now = T0.plus(Duration.ofMillis(300));
    queue.submitDue(List.of("prod"));
    executor.runNext();

    assertThat(wakes).containsExactly("prod in PT0.3S", "prod in PT5S");
  }

  @Test
  void aStalledEnvironmentIsStillObservedAtTheInterval() {
    results.add(stalled());
    queue.submit("prod", ReconcileRequest.scheduled());
    executor.runNext();

    assertThat(queue.dueAt("prod")).isEqualTo(T0.plus(INTERVAL));
    assertThat(retries).isEmpty();
  }

  @Test
  void markingAnEnvironmentDueOverridesItsRequeueTime() {
    results.add(requeue());
    queue.submit("prod", ReconcileRequest.scheduled());
    executor.runNext();

    queue.markDue("prod");
    queue.submitDue(List.of("prod"));
    assertThat(executor.pending).hasSize(1);
  }

  @Test
  void retriesBackOffFromFiveSecondsDoublingUpToFiveMinutes() {
    List<Long> seconds = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      seconds.add(failOnce("prod").toSeconds());
    }

    assertThat(seconds).containsExactly(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
    assertThat(queue.failures("prod")).isEqualTo(9);
    assertThat(queue.dueAt("prod")).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(retries.get(0).message()).isEqualTo("cannot fetch");
    assertThat(retries).allMatch(r -> r.env().equals("prod"));
  }

  @Test
  void aRequeueResetsTheBackoffButAStallDoesNot() {
    failOnce("prod");
    failOnce("prod");
    results.add(stalled());
    queue.submit("prod", ReconcileRequest.scheduled());
    executor.runNext();
    assertThat(failOnce("prod")).isEqualTo(Duration.ofSeconds(20));

    results.add(requeue());
    queue.submit("prod", ReconcileRequest.scheduled());
    executor.runNext();
    assertThat(queue.failures("prod")).isZero();
    assertThat(failOnce("prod")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aPersonsRequestResetsTheBackoff() {
    failOnce("prod");
    failOnce("prod");

    results.add(retry());
    queue.submit("prod", ReconcileRequest.manualSync(DeployOptions.NONE));
    executor.runNext();
    assertThat(retries.get(retries.size() - 1).delay()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void eachEnvironmentHasItsOwnBackoff() {
    failOnce("prod");
    failOnce("prod");

    assertThat(failOnce("staging")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void requestsWhileARunIsUnderWayMergeIntoOneRunAfterItAndAPersonsRequestWins() {
    results.add(requeue());
    results.add(requeue());
    CompletableFuture<ReconcileResult> first = queue.submit("prod", ReconcileRequest.scheduled());
    ReconcileRequest person = ReconcileRequest.manualSync(DeployOptions.NONE);
    CompletableFuture<ReconcileResult> a = queue.submit("prod", ReconcileRequest.scheduled());
    CompletableFuture<ReconcileResult> b = queue.submit("prod", person);
    CompletableFuture<ReconcileResult> c = queue.submit("prod", ReconcileRequest.of(Trigger.API));

    assertThat(executor.pending).as("one run per environment").hasSize(1);
    executor.runNext();
    assertThat(first).isCompleted();
    assertThat(a).isNotCompleted();
    assertThat(executor.pending).as("the merged requests run once, after the first").hasSize(1);
    executor.runNext();

    assertThat(runs).extracting(Run::request).containsExactly(ReconcileRequest.scheduled(), person);
    assertThat(a).isCompleted();
    assertThat(b).isCompleted();
    assertThat(c).isCompleted();
    assertThat(a.join()).isSameAs(b.join()).isSameAs(c.join());
    assertThat(executor.pending).isEmpty();
    assertThat(queue.isRunning("prod")).isFalse();
  }

  @Test
  void aLaterRequestWinsAmongRequestsOfTheSameKind() {
    results.add(requeue());
    results.add(requeue());
    queue.submit("prod", ReconcileRequest.scheduled());
    queue.submit("prod", ReconcileRequest.of(Trigger.API));
    queue.submit("prod", ReconcileRequest.of(Trigger.WEBHOOK));
    executor.runNext();
    executor.runNext();

    assertThat(runs.get(1).request()).isEqualTo(ReconcileRequest.of(Trigger.WEBHOOK));
  }

  @Test
  void environmentsRunIndependently() {
    queue.submit("prod", ReconcileRequest.scheduled());
    queue.submit("staging", ReconcileRequest.scheduled());

    assertThat(executor.pending).hasSize(2);
  }

  @Test
  void aReconcilerExceptionRetriesAfterTheInitialDelayAndStillRunsTheQueuedRequest() {
    CompletableFuture<ReconcileResult> first = queue.submit("prod", ReconcileRequest.scheduled());
    results.clear();
    queue.submit("prod", ReconcileRequest.of(Trigger.MANUAL));
    executor.runNext();

    assertThat(first.join()).isNull();
    assertThat(queue.dueAt("prod")).isAfter(T0.plus(Duration.ofHours(1)));
    assertThat(executor.pending).as("the queued request runs").hasSize(1);
    executor.runNext();
    assertThat(queue.dueAt("prod")).isEqualTo(T0.plus(Backoff.INITIAL));
  }

  @Test
  void aStoppedQueueStartsNoQueuedRequestAndSubmitsNothingDue() {
    results.add(requeue());
    queue.submit("prod", ReconcileRequest.scheduled());
    CompletableFuture<ReconcileResult> waiting =
        queue.submit("prod", ReconcileRequest.of(Trigger.MANUAL));
    queue.stop();
    executor.runNext();

    assertThat(waiting.join()).isNull();
    assertThat(executor.pending).isEmpty();
    assertThat(queue.isRunning("prod")).isFalse();
    queue.submitDue(List.of("staging"));
    assertThat(executor.pending).isEmpty();
  }

  @Test
  void aRejectedRunFailsItsCallerAndLeavesTheEnvironmentDue() {
    executor.reject = true;
    CompletableFuture<ReconcileResult> f = queue.submit("prod", ReconcileRequest.scheduled());

    assertThat(f).isCompletedExceptionally();
    assertThat(queue.isRunning("prod")).isFalse();
    assertThat(queue.dueAt("prod")).isEqualTo(T0);
  }
}
