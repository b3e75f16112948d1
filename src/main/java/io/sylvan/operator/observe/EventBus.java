package io.sylvan.operator.observe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.sylvan.operator.runtime.JsonTexts;
import io.sylvan.operator.runtime.Redactor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The live events: a bounded ring buffer of the latest events and the connected subscribers. Ids
 * are assigned under one lock, and each event is queued to every subscriber under that lock, so
 * every subscriber sees the ids in order. Publishing never waits for a subscriber: each has a
 * bounded queue, and one that falls behind is dropped (it reconnects with {@code Last-Event-ID}).
 * Every text of the data passes the redactor before it is kept.
 */
public final class EventBus {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final int capacity;
  private final int subscriberQueue;
  private final Supplier<Redactor> redactor;
  private final Object lock = new Object();
  private final ArrayDeque<Event> buffer = new ArrayDeque<>();
  private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();

  /** The id of the newest event published. */
  private long last;

  /** The id of the newest event no longer in the buffer (ids before {@code firstId} are gone). */
  private long evictedUpTo;

  /**
   * @param capacity events kept for replay
   * @param subscriberQueue events a subscriber may have waiting before it is dropped
   * @param firstId the id of the first event (boot time in milliseconds * 1000, so ids after a
   *     restart are larger than before it)
   */
  public EventBus(int capacity, int subscriberQueue, long firstId, Supplier<Redactor> redactor) {
    if (capacity < 1 || subscriberQueue < 1) {
      throw new IllegalArgumentException("the event buffer and queues hold at least one event");
    }
    this.capacity = capacity;
    this.subscriberQueue = subscriberQueue;
    this.redactor = redactor;
    this.last = firstId - 1;
    this.evictedUpTo = firstId - 1;
  }

  /** Publishes {@code data} to the buffer and every subscriber of its environment. */
  public Event publish(EventData data) {
    String json = json(data);
    Event event;
    List<Subscription> behind = new ArrayList<>();
    synchronized (lock) {
      event = new Event(++last, data.event(), data.environment(), json);
      buffer.addLast(event);
      if (buffer.size() > capacity) {
        evictedUpTo = buffer.removeFirst().id();
      }
      for (Subscription s : subscribers) {
        if (s.wants(event) && !s.offer(event)) {
          behind.add(s);
        }
      }
    }
    behind.forEach(Subscription::close);
    for (Subscription s : subscribers) {
      s.drain();
    }
    return event;
  }

  /**
   * Subscribes {@code sink} to the events of {@code environment} (every environment when null).
   * With {@code lastEventId}, every buffered event after it is sent first; when events after it
   * were already dropped from the buffer, a {@code reset} event is sent instead (the client reloads
   * its state). A keep-alive comment goes first, so the response starts at once.
   */
  public Subscription subscribe(String environment, Long lastEventId, EventSink sink) {
    Subscription s;
    synchronized (lock) {
      List<Event> first = new ArrayList<>();
      first.add(Event.KEEP_ALIVE);
      if (lastEventId != null && lastEventId < evictedUpTo) {
        first.add(new Event(last, Event.RESET, environment, "{}"));
      } else if (lastEventId != null) {
        for (Event e : buffer) {
          if (e.id() > lastEventId
              && (environment == null || environment.equals(e.environment()))) {
            first.add(e);
          }
        }
      }
      s = new Subscription(environment, sink, subscriberQueue + first.size());
      first.forEach(s::offer);
      subscribers.add(s);
    }
    s.drain();
    return s;
  }

  /** Queues a keep-alive comment to every subscriber (proxies close idle connections). */
  public void keepAlive() {
    for (Subscription s : subscribers) {
      if (!s.offer(Event.KEEP_ALIVE)) {
        s.close();
      }
      s.drain();
    }
  }

  /** The buffered events, oldest first. */
  public List<Event> buffered() {
    synchronized (lock) {
      return List.copyOf(buffer);
    }
  }

  public int subscriberCount() {
    return subscribers.size();
  }

  /** Ends every subscription (the operator stops). */
  public void closeAll() {
    subscribers.forEach(Subscription::close);
  }

  private String json(EventData data) {
    Redactor r = redactor.get();
    try {
      return JSON.writeValueAsString(JsonTexts.map(JSON.valueToTree(data), r::redact));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("event data not serializable: " + data.event(), e);
    }
  }

  /**
   * One subscriber: its queue of events not yet written, drained one write at a time (the next
   * write starts when the previous one completed), so a slow client fills its own queue only.
   */
  public final class Subscription {
    private final String environment;
    private final EventSink sink;
    private final int limit;
    private final ConcurrentLinkedQueue<Event> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Subscription(String environment, EventSink sink, int limit) {
      this.environment = environment;
      this.sink = sink;
      this.limit = limit;
    }

    boolean wants(Event e) {
      return environment == null || environment.equals(e.environment());
    }

    /** False when the queue is full: the subscriber fell behind. */
    boolean offer(Event e) {
      if (closed.get()) {
        return true;
      }
      if (waiting.incrementAndGet() > limit) {
        waiting.decrementAndGet();
        return false;
      }
      queue.add(e);
      return true;
    }

    void drain() {
      while (!closed.get() && sending.compareAndSet(false, true)) {
        Event e = queue.poll();
        if (e == null) {
          sending.set(false);
          // An offer may have come between the poll and the reset of the flag.
          if (queue.isEmpty()) {
            return;
          }
          continue;
        }
        waiting.decrementAndGet();
        CompletableFuture<?> written;
        try {
          written = sink.send(e).toCompletableFuture();
        } catch (RuntimeException failed) {
          close();
          return;
        }
        if (written.isDone() && !written.isCompletedExceptionally()) {
          sending.set(false);
          continue;
        }
        written.whenComplete(
            (ok, failed) -> {
              sending.set(false);
              if (failed != null) {
                close();
              } else {
                drain();
              }
            });
        return;
      }
    }

    public boolean isOpen() {
      return !closed.get();
    }

    /** Unsubscribes and ends the connection. */
    public void close() {
      if (closed.compareAndSet(false, true)) {
        subscribers.remove(this);
        queue.clear();
        try {
          sink.close();
        } catch (RuntimeException ignored) {
          // The connection is already gone.
        }
      }
    }
  }
}
