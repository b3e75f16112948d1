package io.sylvan.operator.reconcile;

/** The ways what runs can differ from what the spec asks. */
public enum Drift {
  NONE,
  /** Nothing deployed yet. */
  NOT_DEPLOYED,
  /** Another commit serves. */
  COMMIT,
  /** The app is not under PM2 at all. */
  PROCESS_MISSING,
  /** Stopped, errored or crash-looping under PM2. */
  PROCESS_DOWN,
  /** Fewer or more instances than the spec asks. */
  INSTANCES,
  /** {@code current} points at another release than the one PM2 runs. */
  RELEASE_MISMATCH,
  /** The right commit serves, but its env file came from another encrypted file. */
  ENV;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
