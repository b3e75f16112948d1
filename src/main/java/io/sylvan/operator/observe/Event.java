package io.sylvan.operator.observe;

/**
 * One published event as subscribers receive it: its id (strictly increasing), its name and its
 * data as one line of redacted JSON.
 */
public record Event(long id, String type, String environment, String json) {

  /** The event that tells a client its {@code Last-Event-ID} is older than the buffer. */
  public static final String RESET = "reset";

  /** A keep-alive comment rather than an event. */
  static final Event KEEP_ALIVE = new Event(0, null, null, null);

  public boolean keepAlive() {
    return type == null;
  }
}
