package io.sylvan.operator.spec;

import java.util.Optional;

/**
 * The valid spec of one environment, or why there is none, worded the same for every caller (the
 * API's deploy, the CLI's actions).
 *
 * @param spec the valid spec, or {@code null}
 * @param invalid whether the environment exists but its spec cannot be used
 * @param problem why there is no spec; {@code null} when there is one
 */
public record SpecLookup(DeploySpec spec, boolean invalid, String problem) {

  /** Looks {@code environment} up in {@code snapshot}; no snapshot knows no environment. */
  public static SpecLookup of(Optional<SpecSnapshot> snapshot, String environment) {
    DeploySpec spec = snapshot.map(s -> s.valid().get(environment)).orElse(null);
    if (spec != null) {
      return new SpecLookup(spec, false, null);
    }
    if (snapshot.map(s -> s.elsewhere().containsKey(environment)).orElse(false)) {
      // Valid, but another node's to run: nothing here may deploy it.
      return new SpecLookup(
          null,
          false,
          "environment '"
              + environment
              + "' is not placed on this node (spec.placement); ask a node it is placed on");
    }
    boolean invalid =
        snapshot
            .map(s -> s.invalid().stream().anyMatch(i -> i.environment().equals(environment)))
            .orElse(false);
    return new SpecLookup(
        null,
        invalid,
        invalid
            ? "the spec of " + environment + " is invalid; see GET /status/" + environment
            : "no environment named '" + environment + "'");
  }

  public boolean found() {
    return spec != null;
  }
}
