package io.sylvan.operator.reconcile;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one reconcile ended, Flux style: requeued at the interval, retried with backoff, or stalled
 * (no retry until the spec changes or a person acts). The reconciler says which; the loop owns the
 * per-environment backoff: a {@link Kind#RETRY} has no {@code requeueAfter} (null) and is delayed
 * by the loop's next backoff step; a {@link Kind#REQUEUE} resets that backoff; a {@link
 * Kind#STALLED} leaves it as it is. A person's request resets it before it runs.
 */
public record ReconcileResult(Kind kind, Duration requeueAfter, String reason, String message) {

  public enum Kind {
    /** In sync (or corrected): look again after the interval, with jitter. */
    REQUEUE,
    /** A transient error: retry after the loop's backoff delay. */
    RETRY,
    /** Terminal until the desired state changes or a person acts. */
    STALLED
  }

  public static ReconcileResult requeue(Duration interval, String reason, String message) {
    return new ReconcileResult(Kind.REQUEUE, jitter(interval), reason, message);
  }

  /** The loop decides when: {@code requeueAfter} is null. */
  public static ReconcileResult retry(String reason, String message) {
    return new ReconcileResult(Kind.RETRY, null, reason, message);
  }

  /** Stalled environments are still observed at the interval, but never acted on. */
  public static ReconcileResult stalled(Duration interval, String reason, String message) {
    return new ReconcileResult(Kind.STALLED, jitter(interval), reason, message);
  }

  /** ±10%, so many environments with one interval do not all tick together. */
  static Duration jitter(Duration interval) {
    long ms = interval.toMillis();
    long spread = ms / 10;
    return Duration.ofMillis(ms - spread + ThreadLocalRandom.current().nextLong(2 * spread + 1));
  }
}
