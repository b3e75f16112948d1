package io.sylvan.operator.pipeline;

/** The seed's phases, and what a failure in each means. */
public enum Phase {
  /** Validate, checkout, backup, migrate: a failure halts, the serving release is untouched. */
  PRE_DEPLOY(false),
  /** Clean cache, install, build in the new release: a failure halts, nothing to roll back. */
  BUILD(false),
  /** Switch and reload: a failure rolls back. */
  DEPLOY(true),
  /** Health check: a failure rolls back unless forced. */
  POST_DEPLOY(true),
  /** The steps of a rollback. */
  ROLLBACK(false);

  private final boolean rollsBackOnFailure;

  Phase(boolean rollsBackOnFailure) {
    this.rollsBackOnFailure = rollsBackOnFailure;
  }

  public boolean rollsBackOnFailure() {
    return rollsBackOnFailure;
  }
}
