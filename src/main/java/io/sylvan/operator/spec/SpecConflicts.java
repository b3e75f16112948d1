package io.sylvan.operator.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Environments on one VM must not share what only one of them can hold: a port (both apps would
 * answer on it, each for some connections), a PM2 app name (one would scale and replace the other's
 * processes) and a target root, equal or nested (both would flip {@code current}).
 *
 * <p>Files are compared in file name order: an environment that collides with one declared in an
 * earlier file is a conflict, and only the later one is held back, so what the earlier one runs
 * stays untouched whatever files are added after it.
 */
final class SpecConflicts {

  private SpecConflicts() {}

  /**
   * The conflicts of valid specs, each with one error per collision naming the earlier file and
   * line.
   *
   * @param valid parse results with a spec, in file name order
   * @return the later spec of each colliding pair, with its errors; empty when none collide
   */
  static Map<SpecParseResult, List<SpecError>> find(List<SpecParseResult> valid) {
    Map<SpecParseResult, List<SpecError>> conflicts = new LinkedHashMap<>();
    for (int i = 0; i < valid.size(); i++) {
      SpecParseResult later = valid.get(i);
      List<SpecError> errors = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        collisions(later, valid.get(j), errors);
      }
      if (!errors.isEmpty()) {
        conflicts.put(later, errors);
      }
    }
    return conflicts;
  }

  private static void collisions(
      SpecParseResult later, SpecParseResult earlier, List<SpecError> errors) {
    DeploySpec a = later.spec();
    DeploySpec b = earlier.spec();
    int port = a.spec().process().port();
    if (port == b.spec().process().port()) {
      errors.add(
          error(later, earlier, "spec.process.port", "port " + port, "ports must be unique"));
    }
    String name = a.metadata().name();
    if (name.equals(b.metadata().name())) {
      errors.add(
          error(
              later,
              earlier,
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
              "spec.target.root",
              how,
              "target roots must be distinct and not inside one another"));
    }
  }

  private static SpecError error(
      SpecParseResult later, SpecParseResult earlier, String field, String what, String rule) {
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
            + "', declared in an earlier file, keeps running");
  }
}
