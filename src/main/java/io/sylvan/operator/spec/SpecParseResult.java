package io.sylvan.operator.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of parsing one spec file: either a {@link DeploySpec} or a non-empty list of errors.
 *
 * @param file the file name given to the parser
 * @param environment {@code metadata.environment} when it could be read (also for invalid files, so
 *     a status page can name the broken environment), else {@code null}
 * @param environmentLine 1-based line of {@code metadata.environment}, 0 when unknown
 * @param environmentColumn 1-based column of {@code metadata.environment}, 0 when unknown
 * @param spec the spec, {@code null} when there are errors
 * @param errors all errors of the file, empty when {@code spec} is set
 * @param positions where each scalar value stands, by field path ({@code spec.process.port}); only
 *     values the file gives, not defaults
 */
public record SpecParseResult(
    String file,
    String environment,
    int environmentLine,
    int environmentColumn,
    DeploySpec spec,
    List<SpecError> errors,
    Map<String, Position> positions) {

  /** A 1-based line and column in the file. */
  public record Position(int line, int column) {
    @Override
    public String toString() {
      return line + ":" + column;
    }
  }

  public SpecParseResult {
    Objects.requireNonNull(file, "file");
    errors = List.copyOf(errors);
    positions = Map.copyOf(positions);
    if ((spec == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a parse result has either a spec or errors");
    }
  }

  public boolean isValid() {
    return spec != null;
  }

  /**
   * Where {@code field} is given in the file; else where {@code metadata.environment} is; else the
   * file's start.
   */
  public Position positionOf(String field) {
    Position at = positions.get(field);
    if (at != null) {
      return at;
    }
    return environmentLine > 0
        ? new Position(environmentLine, environmentColumn)
        : new Position(1, 1);
  }
}
