package io.sylvan.operator.state;

import java.time.Instant;

/**
 * A Kubernetes-style status condition ({@code Ready}, {@code Reconciling}, {@code Stalled}). The
 * reason is one of the constants in {@link io.sylvan.operator.state.Reasons}.
 */
public record Condition(
    String type, boolean status, String reason, String message, Instant lastTransitionTime) {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
}
