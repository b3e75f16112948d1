package io.sylvan.operator.observe;

import java.util.concurrent.CompletionStage;

/** Where one subscriber's events go (an SSE connection). Called by one thread at a time. */
public interface EventSink {

  /**
   * Writes one event, or a keep-alive comment when {@link Event#keepAlive()}; must not block. The
   * stage completes when the write is done, exceptionally when the connection is gone.
   */
  CompletionStage<?> send(Event event);

  /** Ends the connection (the subscriber fell behind or the operator stops). */
  void close();
}
