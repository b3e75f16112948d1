package io.sylvan.operator.spec;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Binds one YAML file by hand, knowing nothing of any schema: the text is composed into a node tree
 * with SnakeYAML's safe settings (no object construction, no custom tags, limits on size, aliases
 * and nesting), and {@link YamlSection}s read typed values from it. Every error carries the file,
 * line and column of the node it is about, and all errors of a file are collected, not just the
 * first. One instance per file; not thread-safe.
 */
final class YamlBinder {

  /**
   * What a file may hold before it is refused unread.
   *
   * @param maxBytes the file's size in UTF-8 bytes (and in code points)
   * @param maxAliases aliases to lists or mappings
   * @param maxNestingDepth levels of nested lists and mappings
   */
  record Limits(int maxBytes, int maxAliases, int maxNestingDepth) {}

  private final String file;
  private final List<SpecError> errors = new ArrayList<>();
  private final Map<String, SpecParseResult.Position> positions = new HashMap<>();

  /**
   * @param file the file name used in messages
   */
  YamlBinder(String file) {
    this.file = file;
  }

  String file() {
    return file;
  }

  /**
   * Composes {@code content} into a node tree within {@code limits}.
   *
   * @return the root node; null when the document is empty or could not be read (then {@link
   *     #hasErrors()} says so)
   */
  Node load(String content, Limits limits) {
    if (content.length() > limits.maxBytes()
        || content.getBytes(StandardCharsets.UTF_8).length > limits.maxBytes()) {
      errorAt(1, 1, SpecError.FILE, tooLarge(limits));
      return null;
    }
    try {
      return newYaml(limits).compose(new StringReader(content));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      // getMessage() would quote the file's lines: only the short problem text is shown.
      String message = e.getProblem() != null ? e.getProblem() : "malformed YAML";
      if (e.getContext() != null) {
        message = message + " (" + e.getContext() + ")";
      }
      error(mark, SpecError.YAML, message);
      return null;
    } catch (YAMLException e) {
      // Limit violations (aliases, nesting, size) carry no position: report them on the file.
      errorAt(1, 1, SpecError.FILE, describeLimit(e, limits));
      return null;
    }
  }

  /**
   * The top-level mapping with its allowed keys; null (after an error) when the document is empty
   * or no mapping.
   *
   * @param expected what the file should hold, for messages ({@code "an AppDeployment spec"})
   * @param expectedMapping what the mapping should hold ({@code "a mapping with apiVersion, ..."})
   */
  YamlSection root(Node root, String expected, String expectedMapping, String... known) {
    if (root == null) {
      errorAt(1, 1, SpecError.FILE, "the file is empty; expected " + expected);
      return null;
    }
    if (!(root instanceof MappingNode mapping)) {
      error(
          root.getStartMark(),
          SpecError.FILE,
          "expected " + expectedMapping + ", got " + YamlNodes.describe(root));
      return null;
    }
    return new YamlSection(this, mapping, "", root.getStartMark(), known);
  }

  void error(Mark mark, String field, String message) {
    errorAt(mark.getLine() + 1, mark.getColumn() + 1, field, message);
  }

  void errorAt(int line, int column, String field, String message) {
    // The field path holds the file's keys, which may be anything in a file that is no spec.
    errors.add(new SpecError(file, line, column, Excerpt.plain(field), message));
  }

  int errorCount() {
    return errors.size();
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** All errors so far, in line and column order. */
  List<SpecError> errors() {
    List<SpecError> sorted = new ArrayList<>(errors);
    sorted.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
    return sorted;
  }

  /** Where each scalar value read so far stands, by field path. */
  Map<String, SpecParseResult.Position> positions() {
    return Map.copyOf(positions);
  }

  void position(String field, Mark at) {
    positions.put(field, new SpecParseResult.Position(at.getLine() + 1, at.getColumn() + 1));
  }

  private static Yaml newYaml(Limits limits) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(limits.maxAliases());
    options.setNestingDepthLimit(limits.maxNestingDepth());
    options.setCodePointLimit(limits.maxBytes());
    options.setAllowRecursiveKeys(false);
    options.setProcessComments(false);
    return new Yaml(new SafeConstructor(options));
  }

  private static String tooLarge(Limits limits) {
    return "the file is larger than " + limits.maxBytes() / 1024 + " KiB";
  }

  private static String describeLimit(YAMLException e, Limits limits) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("aliases")) {
      return "more than "
          + limits.maxAliases()
          + " aliases to lists or mappings; aliases are limited to stop expansion bombs";
    }
    if (message.contains("Nesting Depth")) {
      return "nested deeper than " + limits.maxNestingDepth() + " levels";
    }
    if (message.contains("exceeds the limit")) {
      return tooLarge(limits);
    }
    return "unreadable YAML: " + Excerpt.plain(message.lines().findFirst().orElse(""));
  }
}
