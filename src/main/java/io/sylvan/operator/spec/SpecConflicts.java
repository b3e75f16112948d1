package io.sylvan.operator.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Environments on one VM must not share what only one of them can hold: a port (both apps would
 * answer on it, each for some connections), a PM2 app name (one would scale and replace the other's
 * processes) and a target root, equal or nested (both would flip {@code current}).
 *
 * <p>An environment that already runs here comes first (oldest first), then newcomers in file name
 * order: an environment that collides with one before it is a conflict, and only it is held back,
 * so what runs stays untouched whatever files are added, whatever their names.
 */
final class SpecConflicts {

  private SpecConflicts() {}

  /**
   * The conflicts of valid specs, each with one error per collision naming the earlier file and
   * line.
   *
   * @param usable parse results with a spec, in file name order
   * @param established environments that already run here, oldest first
   * @return the later spec of each colliding pair, with its errors; empty when none collide
   */
  static Map<SpecParseResult, List<SpecError>> find(
      List<SpecParseResult> usable, List<String> established) {
    List<SpecParseResult> valid = new ArrayList<>(usable);
    // A stable sort: newcomers keep their file name order behind what already runs.
    valid.sort(Comparator.comparingInt(r -> rank(established, r.environment())));
    Map<SpecParseResult, List<SpecError>> conflicts = new LinkedHashMap<>();
    for (int i = 0; i < valid.size(); i++) {
      SpecParseResult later = valid.get(i);
      List<SpecError> errors = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        SpecParseResult earlier = valid.get(j);
        collisions(later, earlier, established.contains(earlier.environment()), errors);
      }
      if (!errors.isEmpty()) {
        conflicts.put(later, errors);
      }
    }
    return conflicts;
  }

  private static int rank(List<String> established, String environment) {
    int at = established.indexOf(environment);
    return at < 0 ? Integer.MAX_VALUE : at;
  }

  private static void collisions(
      SpecParseResult later, SpecParseResult earlier, boolean earlierRuns, List<SpecError> errors) {
    DeploySpec a = later.spec();
    DeploySpec b = earlier.spec();
    int port = a.spec().process().port();
    if (port == b.spec().process().port()) {
      errors.add(
          error(
              later,
              earlier,
              earlierRuns,
              "spec.process.port",
              "port " + port,
              "ports must be unique"));
    }
    String name = a.metadata().name();
    if (name.equals(b.metadata().name())) {
      errors.add(
          error(
              later,
              earlier,
              earlierRuns,
              "metadata.name",
              "PM2 app name '" + name + "'",
              "PM2 app names must be unique"));
    }
    Path root = a.spec().target().root();
    Path other = b.spec().target().root();
    if (root.startsWith(other) || other.startsWith(root)) {
      String how =
          root.equals(other)
              ? "target root " + root
              : "target root " + root + " (nested with " + other + ")";
      errors.add(
          error(
              later,
              earlier,
              earlierRuns,
              "spec.target.root",
              how,
              "target roots must be distinct and not inside one another"));
    }
  }

  private static SpecError error(
      SpecParseResult later,
      SpecParseResult earlier,
      boolean earlierRuns,
      String field,
      String what,
      String rule) {
    SpecParseResult.Position at = later.positionOf(field);
    return new SpecError(
        later.file(),
        at.line(),
        at.column(),
        field,
        what
            + " is also used by environment '"
            + earlier.environment()
            + "' ("
            + earlier.file()
            + ":"
            + earlier.positionOf(field)
            + "); "
            + rule
            + ": this environment is not reconciled until that is resolved, and '"
            + earlier.environment()
            + (earlierRuns ? "', which already runs here," : "', declared in an earlier file,")
            + " keeps running");
  }
}
