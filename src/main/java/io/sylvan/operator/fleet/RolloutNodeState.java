package io.sylvan.operator.fleet;

import io.sylvan.operator.state.WireEnum;

/** Where one node of a rollout is; stored as the lower-case name. */
public enum RolloutNodeState implements WireEnum {
  /** Not admitted yet. */
  PENDING,
  /** Admitted: its agent is building, switching and checking. */
  UPDATING,
  /** Serves the commit and passed its health check; minHealthyTime runs. */
  HEALTHY,
  /** Stayed healthy for minHealthyTime: done. */
  STABLE,
  /** Its update, health check, build check or lease failed. */
  FAILED,
  /** Going back to the release it served before (the rollout is reverting). */
  REVERTING,
  /** Back on the release it served before. */
  REVERTED,
  /** Never reached: the rollout stopped before its wave. */
  SKIPPED;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  /** The node serves (or may serve) the rollout's commit. */
  boolean switched() {
    return this == HEALTHY || this == STABLE || this == REVERTING;
  }

  public static RolloutNodeState fromWire(String value) {
    return WireEnum.fromWire(RolloutNodeState.class, value);
  }
}
