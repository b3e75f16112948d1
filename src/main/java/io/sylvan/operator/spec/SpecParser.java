package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecDefaults.MAX_ALIASES;
import static io.sylvan.operator.spec.SpecDefaults.MAX_FILE_BYTES;
import static io.sylvan.operator.spec.SpecDefaults.MAX_NESTING_DEPTH;

import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads {@code apiVersion: sylvan.io/v1} / {@code kind: AppDeployment} spec files.
 *
 * <p>{@link YamlBinder} composes the YAML with SnakeYAML's safe settings and reads it by hand, so
 * that every error carries the line and column of the node it is about; {@link AppDeploymentSchema}
 * holds the rules of the spec; {@link SpecSetRules} the rules across files. All errors of a file
 * are collected, not just the first. Stateless and thread-safe; needs no CDI, so a command-line
 * tool can use it too.
 */
public final class SpecParser {

  private static final YamlBinder.Limits LIMITS =
      new YamlBinder.Limits(MAX_FILE_BYTES, MAX_ALIASES, MAX_NESTING_DEPTH);

  private final Map<Integer, String> reservedPorts;
  private final EstablishedEnvironments established;
  private final NodeIdentity node;

  /**
   * A parser that knows of no ports taken by the operator and of no running environment (e.g. for
   * {@code sylvanctl}): collisions are decided by file name order.
   */
  public SpecParser() {
    this(Map.of(), List::of);
  }

  /**
   * @param reservedPorts ports an app must not use, each with what holds it (e.g. {@code 8080} to
   *     {@code "the operator's HTTP port (quarkus.http.port)"})
   * @param established the environments that already run, which win a collision
   */
  public SpecParser(Map<Integer, String> reservedPorts, EstablishedEnvironments established) {
    this(reservedPorts, established, null);
  }

  /**
   * @param reservedPorts ports an app must not use, each with what holds it
   * @param established the environments that already run, which win a collision
   * @param node the node loading the specs: only the environments placed on it are valid in a
   *     snapshot (with its overrides), and only they are checked for collisions; null: all are
   */
  public SpecParser(
      Map<Integer, String> reservedPorts, EstablishedEnvironments established, NodeIdentity node) {
    this.reservedPorts = Map.copyOf(reservedPorts);
    this.established = established;
    this.node = node;
  }

  /**
   * Parses one spec file.
   *
   * @param fileName the file name used in messages; its base name without {@code .yaml}/{@code
   *     .yml} must equal {@code metadata.environment}
   * @param content the file's text
   */
  public SpecParseResult parse(String fileName, String content) {
    YamlBinder binder = new YamlBinder(fileName);
    AppDeploymentSchema schema = new AppDeploymentSchema(binder, reservedPorts);
    Node root = binder.load(content, LIMITS);
    DeploySpec spec = binder.hasErrors() ? null : schema.bind(root);
    Mark at = schema.environmentMark();
    List<SpecError> errors = binder.errors();
    return new SpecParseResult(
        fileName,
        schema.environment(),
        at == null ? 0 : at.getLine() + 1,
        at == null ? 0 : at.getColumn() + 1,
        errors.isEmpty() ? spec : null,
        errors,
        binder.positions());
  }

  /**
   * Parses a set of spec files into a snapshot, applying the rule that an environment must be
   * declared by exactly one file.
   *
   * @param revision the revision the files were read at
   * @param files file name to content, in the order the snapshot should list them
   */
  public SpecSnapshot parseAll(String revision, Map<String, String> files) {
    return parseAll(revision, files, Map.of());
  }

  /**
   * Parses a set of spec files into a snapshot: an environment must be declared by exactly one
   * file, and environments must not collide ({@link SpecConflicts}).
   *
   * @param revision the revision the files were read at
   * @param files file name to content, in file name order
   * @param rejected entries of the spec source that were not read, file name to why (e.g. "is a
   *     symbolic link; spec files must be regular files"); each is an invalid spec
   */
  public SpecSnapshot parseAll(
      String revision, Map<String, String> files, Map<String, String> rejected) {
    List<SpecParseResult> results =
        files.entrySet().stream().map(file -> parse(file.getKey(), file.getValue())).toList();
    return SpecSetRules.snapshot(revision, results, rejected, established.oldestFirst(), node);
  }

  /** The file name without directories and without a {@code .yaml}/{@code .yml} extension. */
  static String baseName(String fileName) {
    String name = fileName.substring(fileName.lastIndexOf('/') + 1);
    if (name.endsWith(".yaml")) {
      return name.substring(0, name.length() - 5);
    }
    return name.endsWith(".yml") ? name.substring(0, name.length() - 4) : name;
  }
}
