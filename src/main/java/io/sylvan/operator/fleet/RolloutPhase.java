package io.sylvan.operator.fleet;

import io.sylvan.operator.state.WireEnum;

/** Where a rollout is; stored as the lower-case name. */
public enum RolloutPhase implements WireEnum {
  /** Nodes are admitted wave by wave. */
  PROGRESSING,
  /** Admits no new node; nodes already updating finish. */
  PAUSED,
  /** Every node is stable on the commit (or failed within maxFailures). */
  SUCCEEDED,
  /**
   * Stopped: no further node starts and nothing was put back (no autoRevert, no node had switched,
   * or superseded by a newer commit).
   */
  ABORTED,
  /** Stopped, and the switched nodes are going back to what they served before. */
  REVERTING,
  /** Stopped, and every node that had switched is back on its previous release. */
  REVERTED;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  /** The phases of the one rollout an environment may have open (the unique index's set). */
  public boolean active() {
    return this == PROGRESSING || this == PAUSED || this == REVERTING;
  }

  public static RolloutPhase fromWire(String value) {
    return WireEnum.fromWire(RolloutPhase.class, value);
  }
}
