package io.sylvan.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Redactor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The event bus on its own: ids, order, the bounded buffer, replay, reset and slow clients. */
class EventBusTest {

  static final long FIRST = 1_700_000_000_000_000L;

  /** A client that writes at once and remembers what it got. */
  static final class Received implements EventSink {
    final List<Event> events = new CopyOnWriteArrayList<>();
    volatile int keepAlives;
    volatile boolean closed;

    @Override
    public CompletionStage<?> send(Event event) {
      if (event.keepAlive()) {
        keepAlives++;
      } else {
        events.add(event);
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
      closed = true;
    }

    List<Long> ids() {
      return events.stream().map(Event::id).toList();
    }
  }

  /** A client whose first write never completes: it reads nothing. */
  static final class Stuck implements EventSink {
    volatile boolean closed;

    @Override
    public CompletionStage<?> send(Event event) {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static EventBus bus(int capacity) {
    return new EventBus(capacity, 16, FIRST, () -> Redactor.PATTERNS_ONLY);
  }

  static EventData drift(String env, int n) {
    return new EventData.DriftDetected(env, "commit", "observation " + n, Instant.EPOCH);
  }

  @Test
  void idsStartAtTheFirstIdAndIncreaseByOneInPublishingOrder() {
    EventBus bus = bus(100);

    Event a = bus.publish(drift("prod", 1));
    Event b = bus.publish(drift("prod", 2));

    assertThat(a.id()).isEqualTo(FIRST);
    assertThat(b.id()).isEqualTo(FIRST + 1);
    assertThat(a.type()).isEqualTo("drift.detected");
    assertThat(a.json())
        .isEqualTo(
            "{\"environment\":\"prod\",\"kind\":\"commit\",\"message\":\"observation 1\","
                + "\"at\":\"1970-01-01T00:00:00Z\"}");
  }

  @Test
  void aSubscriberReceivesEveryEventOfItsEnvironmentInOrderWithStrictlyIncreasingIds()
      throws Exception {
    // Queues as long as the burst: the publishers do not wait for the subscribers' writes.
    EventBus bus = new EventBus(10_000, 4096, FIRST, () -> Redactor.PATTERNS_ONLY);
    Received prod = new Received();
    Received all = new Received();
    bus.subscribe("prod", null, prod);
    bus.subscribe(null, null, all);

    // Four threads publish at once: ids are assigned and queued under one lock.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String env = t % 2 == 0 ? "prod" : "staging";
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    bus.publish(drift(env, i));
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(all.events).hasSize(2000);
    assertThat(all.ids()).isSorted().doesNotHaveDuplicates();
    assertThat(prod.events).hasSize(1000).allMatch(e -> e.environment().equals("prod"));
    assertThat(prod.ids()).isSorted().doesNotHaveDuplicates();
    assertThat(prod.keepAlives).as("the comment that starts the response").isEqualTo(1);
  }

  @Test
  void theBufferKeepsOnlyTheNewestEvents() {
    EventBus bus = bus(5);

    for (int i = 0; i < 12; i++) {
      bus.publish(drift("prod", i));
    }

    assertThat(bus.buffered())
        .extracting(Event::id)
        .containsExactly(FIRST + 7, FIRST + 8, FIRST + 9, FIRST + 10, FIRST + 11);
  }

  @Test
  void reconnectingWithTheLastEventIdReplaysEveryBufferedEventAfterIt() {
    EventBus bus = bus(5);
    for (int i = 0; i < 12; i++) {
      bus.publish(drift(i % 3 == 0 ? "staging" : "prod", i));
    }
    Received again = new Received();

    bus.subscribe(null, FIRST + 8, again);
    bus.publish(drift("prod", 12));

    assertThat(again.ids()).containsExactly(FIRST + 9, FIRST + 10, FIRST + 11, FIRST + 12);
    Received prodOnly = new Received();
    bus.subscribe("prod", FIRST + 8, prodOnly);
    assertThat(prodOnly.ids()).containsExactly(FIRST + 10, FIRST + 11, FIRST + 12);
  }

  @Test
  void anIdOlderThanTheBufferGetsResetWithTheNewestIdAndNoReplay() {
    EventBus bus = bus(5);
    for (int i = 0; i < 12; i++) {
      bus.publish(drift("prod", i));
    }
    Received late = new Received();

    bus.subscribe(null, FIRST + 3, late);

    assertThat(late.events).hasSize(1);
    assertThat(late.events.get(0).type()).isEqualTo(Event.RESET);
    assertThat(late.events.get(0).id()).isEqualTo(FIRST + 11);
    // The event right before the oldest one kept is not a gap: nothing is missed.
    Received justInTime = new Received();
    bus.subscribe(null, FIRST + 6, justInTime);
    assertThat(justInTime.ids()).first().isEqualTo(FIRST + 7);
  }

  @Test
  void anIdOfAnEarlierOperatorProcessGetsReset() {
    EventBus bus = bus(5);
    bus.publish(drift("prod", 1));
    Received after = new Received();

    bus.subscribe(null, FIRST - 1_000_000L, after);

    assertThat(after.events).extracting(Event::type).containsExactly(Event.RESET);
  }

  @Test
  void aSlowSubscriberDoesNotBlockPublishingAndIsDroppedOnceItsQueueIsFull() {
    EventBus bus = bus(1000);
    Stuck slow = new Stuck();
    Received fast = new Received();
    bus.subscribe(null, null, slow);
    bus.subscribe(null, null, fast);

    long t0 = System.nanoTime();
    for (int i = 0; i < 5000; i++) {
      bus.publish(drift("prod", i));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(took).isLessThan(Duration.ofSeconds(10));
    assertThat(slow.closed).as("the slow subscriber was dropped").isTrue();
    assertThat(fast.closed).isFalse();
    assertThat(fast.events).hasSize(5000);
    assertThat(bus.subscriberCount()).isEqualTo(1);
  }

  @Test
  void everyTextOfTheDataPassesTheRedactor() {
    EventBus bus = new EventBus(10, 16, FIRST, () -> Redactor.of(List.of("s3cr3t-value")));

    Event e =
        bus.publish(
            new EventData.StepFinished(
                1,
                "prod",
                "node-a",
                "Building application",
                "BUILD",
                "failed",
                12L,
                "npm said s3cr3t-value and https://user:pw@example.com/x",
                Instant.EPOCH));

    assertThat(e.json()).doesNotContain("s3cr3t-value").doesNotContain("user:pw");
    assertThat(e.json()).contains("\"durationMs\":12").doesNotContain("null");
  }

  @Test
  void keepAlivesReachEverySubscriber() {
    EventBus bus = bus(10);
    Received r = new Received();
    bus.subscribe(null, null, r);

    bus.keepAlive();
    bus.keepAlive();

    assertThat(r.keepAlives).isEqualTo(3);
    assertThat(r.events).isEmpty();
  }
}
