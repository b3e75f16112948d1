package io.sylvan.operator.spec;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one load of the spec source found: the valid environments and the files that are
 * broken. A broken file never hides another file's valid environment, except when two files claim
 * the same environment: then both are invalid, because the operator cannot know which one is meant.
 * Valid specs that collide with an earlier file's environment (same port, PM2 app name or target
 * root, see {@link SpecConflicts}) are listed as invalid too, as {@link Problem#CONFLICT}.
 *
 * @param revision what was loaded: the spec repository's commit sha for git, or {@code "dir:"} and
 *     a short sha256 of the files' names and contents for a local folder
 * @param loadedAt when the source was read
 * @param valid the valid specs placed on the node that loaded them (with its {@code root} and
 *     {@code port} overrides applied, {@link DeploySpec#forNode}), by environment name, in file
 *     order
 * @param invalid the files with errors, in file order
 * @param elsewhere valid specs whose placement does not include the node that loaded them, by
 *     environment name: not reconciled here, but their placement tells status which nodes to expect
 */
public record SpecSnapshot(
    String revision,
    Instant loadedAt,
    Map<String, DeploySpec> valid,
    List<InvalidSpec> invalid,
    Map<String, DeploySpec> elsewhere) {

  public SpecSnapshot {
    Objects.requireNonNull(revision, "revision");
    Objects.requireNonNull(loadedAt, "loadedAt");
    valid = Collections.unmodifiableMap(new LinkedHashMap<>(valid));
    invalid = List.copyOf(invalid);
    elsewhere = Collections.unmodifiableMap(new LinkedHashMap<>(elsewhere));
  }

  /** A snapshot in which every valid spec runs on the node that loaded it. */
  public SpecSnapshot(
      String revision, Instant loadedAt, Map<String, DeploySpec> valid, List<InvalidSpec> invalid) {
    this(revision, loadedAt, valid, invalid, Map.of());
  }

  /** The valid spec of {@code environment}, whether placed on this node or not. */
  public java.util.Optional<DeploySpec> anyNode(String environment) {
    DeploySpec spec = valid.get(environment);
    return java.util.Optional.ofNullable(spec != null ? spec : elsewhere.get(environment));
  }

  /** Why a spec file cannot be used. */
  public enum Problem {
    /** The file itself is wrong: unreadable, not a regular file, or not a valid spec. */
    INVALID,
    /** A valid spec that collides with an environment declared in an earlier file. */
    CONFLICT
  }

  /**
   * A spec file that could not be used.
   *
   * @param environment {@code metadata.environment} if it could be read, else the file's base name
   * @param file the file name
   * @param errors why, never empty
   * @param problem whether the file is invalid or collides with another environment
   */
  public record InvalidSpec(
      String environment, String file, List<SpecError> errors, Problem problem) {
    public InvalidSpec {
      errors = List.copyOf(errors);
      Objects.requireNonNull(problem, "problem");
    }

    public InvalidSpec(String environment, String file, List<SpecError> errors) {
      this(environment, file, errors, Problem.INVALID);
    }
  }
}
