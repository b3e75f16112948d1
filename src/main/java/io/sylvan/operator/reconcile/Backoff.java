package io.sylvan.operator.reconcile;

import java.time.Duration;

/** Exponential retry delay for transient failures: 5 s doubling up to 5 min. */
public final class Backoff {

  public static final Duration INITIAL = Duration.ofSeconds(5);
  public static final Duration MAX = Duration.ofMinutes(5);

  private int failures;

  /** The delay before the next try, counting this failure. */
  public synchronized Duration next() {
    Duration d = INITIAL.multipliedBy(1L << Math.min(failures, 16));
    failures++;
    return d.compareTo(MAX) > 0 ? MAX : d;
  }

  public synchronized void reset() {
    failures = 0;
  }

  public synchronized int failures() {
    return failures;
  }
}
