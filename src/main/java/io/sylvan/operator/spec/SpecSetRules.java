package io.sylvan.operator.spec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules across the spec files of one revision: an environment is declared by exactly one file
 * (each claimant is invalid), and environments must not collide ({@link SpecConflicts}).
 */
final class SpecSetRules {

  private SpecSetRules() {}

  /**
   * @param revision the revision the files were read at
   * @param parsed the parse results of the files that were read
   * @param rejected entries that were not read, file name to why; each is an invalid spec
   * @param established environments that already run here, oldest first
   * @param node the node that loads the specs; null: every valid spec runs here as written
   */
  static SpecSnapshot snapshot(
      String revision,
      List<SpecParseResult> parsed,
      Map<String, String> rejected,
      List<String> established,
      NodeIdentity node) {
    List<SpecParseResult> results = new ArrayList<>(parsed);
    for (Map.Entry<String, String> entry : rejected.entrySet()) {
      // Named by its base name, so a rejected file still counts as a claim on its environment.
      results.add(
          new SpecParseResult(
              entry.getKey(),
              SpecParser.baseName(entry.getKey()),
              0,
              0,
              null,
              List.of(new SpecError(entry.getKey(), 1, 1, SpecError.FILE, entry.getValue())),
              Map.of()));
    }
    results.sort(Comparator.comparing(SpecParseResult::file));
    List<SpecParseResult> usable = new ArrayList<>();
    Map<String, DeploySpec> elsewhere = new LinkedHashMap<>();
    Map<SpecParseResult, List<SpecError>> invalid = new LinkedHashMap<>();
    Map<String, List<SpecParseResult>> byEnvironment = byEnvironment(results);
    for (SpecParseResult result : results) {
      List<SpecError> errors = new ArrayList<>(result.errors());
      if (result.environment() != null) {
        for (SpecParseResult other : byEnvironment.get(result.environment())) {
          if (other != result) {
            errors.add(alsoDeclared(result, other));
          }
        }
      }
      if (errors.isEmpty()) {
        SpecParseResult here = effective(result, node, elsewhere);
        if (here != null) {
          usable.add(here);
        }
      } else {
        invalid.put(result, errors);
      }
    }
    Map<SpecParseResult, List<SpecError>> conflicts = SpecConflicts.find(usable, established);
    Map<String, DeploySpec> valid = new LinkedHashMap<>();
    List<SpecSnapshot.InvalidSpec> problems = new ArrayList<>();
    for (SpecParseResult result : usable) {
      valid.put(result.environment(), result.spec());
    }
    for (SpecParseResult result : results) {
      List<SpecError> errors = invalid.get(result);
      String environment =
          result.environment() != null ? result.environment() : SpecParser.baseName(result.file());
      if (errors != null) {
        problems.add(new SpecSnapshot.InvalidSpec(environment, result.file(), errors));
      }
    }
    conflicts.forEach(
        (result, conflict) -> {
          valid.remove(result.environment());
          problems.add(
              new SpecSnapshot.InvalidSpec(
                  result.environment(), result.file(), conflict, SpecSnapshot.Problem.CONFLICT));
        });
    problems.sort(Comparator.comparing(SpecSnapshot.InvalidSpec::file));
    return new SpecSnapshot(revision, Instant.now(), valid, problems, elsewhere);
  }

  /**
   * The spec as {@code node} runs it, with the positions of its overrides standing for the fields
   * they replace (so a collision points at the override); a spec not placed on the node goes to
   * {@code elsewhere} (null is returned), outside the collision rules of this node.
   */
  private static SpecParseResult effective(
      SpecParseResult result, NodeIdentity node, Map<String, DeploySpec> elsewhere) {
    if (node == null) {
      return result;
    }
    DeploySpec spec = result.spec();
    java.util.Optional<DeploySpec> here = spec.forNode(node.name(), node.labels());
    if (here.isEmpty()) {
      elsewhere.put(result.environment(), spec);
      return null;
    }
    Map<String, SpecParseResult.Position> positions = new HashMap<>(result.positions());
    List<DeploySpec.Placement.NodeTarget> nodes = spec.spec().placement().nodes();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).name().equals(node.name())) {
        String entry = "spec.placement.nodes[" + i + "].";
        remap(positions, entry + "root", "spec.target.root");
        remap(positions, entry + "port", "spec.process.port");
      }
    }
    return new SpecParseResult(
        result.file(),
        result.environment(),
        result.environmentLine(),
        result.environmentColumn(),
        here.get(),
        List.of(),
        positions);
  }

  private static void remap(
      Map<String, SpecParseResult.Position> positions, String from, String to) {
    SpecParseResult.Position at = positions.get(from);
    if (at != null) {
      positions.put(to, at);
    }
  }

  private static Map<String, List<SpecParseResult>> byEnvironment(List<SpecParseResult> results) {
    Map<String, List<SpecParseResult>> byEnvironment = new HashMap<>();
    for (SpecParseResult result : results) {
      if (result.environment() != null) {
        byEnvironment.computeIfAbsent(result.environment(), e -> new ArrayList<>()).add(result);
      }
    }
    return byEnvironment;
  }

  private static SpecError alsoDeclared(SpecParseResult result, SpecParseResult other) {
    return new SpecError(
        result.file(),
        Math.max(1, result.environmentLine()),
        Math.max(1, result.environmentColumn()),
        "metadata.environment",
        "environment '"
            + result.environment()
            + "' is also declared in "
            + other.file()
            + ":"
            + other.positionOf("metadata.environment")
            + "; each environment must be declared by exactly one file");
  }
}
