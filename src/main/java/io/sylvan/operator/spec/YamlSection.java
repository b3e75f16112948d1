package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.YamlNodes.allowedTag;
import static io.sylvan.operator.spec.YamlNodes.describe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One mapping of a YAML file: knows its field path, its allowed keys and where it starts, and reads
 * typed values of its keys. Unknown and duplicate keys are reported when the section is made; a
 * value that is missing, of the wrong type or refused by its converter is reported where it stands
 * and read as null, so a schema can go on and collect every error of the file.
 */
final class YamlSection {

  /** Turns a scalar's text into a value, or throws {@link InvalidValue} saying why not. */
  @FunctionalInterface
  interface Converter<T> {
    T convert(String text) throws InvalidValue;
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})([KMG])");

  private final YamlBinder binder;
  private final String path;
  private final Mark where;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
  private final Map<String, YamlSection> sections = new HashMap<>();
  private final boolean present;

  /** An absent section: every field takes its default. */
  private YamlSection(YamlBinder binder, String path, Mark where) {
    this.binder = binder;
    this.path = path;
    this.where = where;
    this.present = false;
  }

  YamlSection(YamlBinder binder, MappingNode node, String path, Mark where, String... known) {
    this.binder = binder;
    this.path = path;
    this.where = where;
    this.present = true;
    List<String> knownKeys = List.of(known);
    for (NodeTuple tuple : node.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalarKey) || !allowedTag(keyNode)) {
        binder.error(keyNode.getStartMark(), pathOr("(key)"), "keys must be plain names");
        continue;
      }
      String key = scalarKey.getValue();
      NodeTuple first = entries.get(key);
      if (first != null) {
        binder.error(
            keyNode.getStartMark(),
            field(key),
            "duplicate key "
                + Excerpt.quoted(key)
                + " (first defined at line "
                + (first.getKeyNode().getStartMark().getLine() + 1)
                + ")");
      } else if (!knownKeys.contains(key)) {
        binder.error(keyNode.getStartMark(), field(key), YamlNodes.unknownKey(key, knownKeys));
      } else {
        entries.put(key, tuple);
      }
    }
  }

  /** Whether the file gives this section (false for an absent, empty or mistyped one). */
  boolean isPresent() {
    return present;
  }

  /** Where the section starts: its key, or where its parent starts when it is absent. */
  Mark where() {
    return where;
  }

  private String pathOr(String fallback) {
    return path.isEmpty() ? fallback : path;
  }

  /** The field path of {@code key} in this section ({@code spec.process.port}). */
  String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The value node of {@code key}, or null when absent, null, or of a forbidden tag. */
  Node node(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return null;
    }
    Node value = tuple.getValueNode();
    if (value.getTag().equals(Tag.NULL)) {
      return null;
    }
    if (!allowedTag(value)) {
      return null;
    }
    return value;
  }

  /**
   * A nested section. Sections are cached so that reading two fields of the same section does not
   * report its unknown keys twice; the first call's {@code known} keys apply.
   */
  YamlSection section(String key, boolean required, String... known) {
    YamlSection cached = sections.get(key);
    if (cached != null) {
      return cached;
    }
    YamlSection section;
    NodeTuple tuple = entries.get(key);
    Node value = node(key);
    if (value == null) {
      if (tuple != null && !allowedTag(tuple.getValueNode())) {
        reportTag(key, tuple.getValueNode());
      } else if (required) {
        missing(key, tuple);
      }
      Mark at = tuple != null ? tuple.getKeyNode().getStartMark() : where;
      section = new YamlSection(binder, field(key), at);
    } else if (value instanceof MappingNode mapping) {
      section =
          new YamlSection(binder, mapping, field(key), tuple.getKeyNode().getStartMark(), known);
    } else {
      binder.error(value.getStartMark(), field(key), "expected a mapping, got " + describe(value));
      section = new YamlSection(binder, field(key), tuple.getKeyNode().getStartMark());
    }
    sections.put(key, section);
    return section;
  }

  private void missing(String key, NodeTuple emptyTuple) {
    if (!present) {
      // The section itself is missing or of the wrong type, which is already reported.
      return;
    }
    if (emptyTuple != null) {
      binder.error(emptyTuple.getKeyNode().getStartMark(), field(key), "is required but empty");
    } else {
      binder.error(where, field(key), "is required" + (path.isEmpty() ? "" : " in " + path));
    }
  }

  private void reportTag(String key, Node value) {
    binder.error(
        value.getStartMark(),
        field(key),
        "the tag " + value.getTag().getValue() + " is not allowed; use plain values");
  }

  /** A scalar value converted by {@code converter}; null (after an error) when invalid. */
  <T> T value(String key, boolean required, T fallback, Converter<T> converter) {
    NodeTuple tuple = entries.get(key);
    Node value = node(key);
    if (value == null) {
      if (tuple != null && !allowedTag(tuple.getValueNode())) {
        reportTag(key, tuple.getValueNode());
        return null;
      }
      if (required) {
        missing(key, tuple);
        return null;
      }
      return fallback;
    }
    if (!(value instanceof ScalarNode scalar)) {
      binder.error(
          value.getStartMark(), field(key), "expected a single value, got " + describe(value));
      return null;
    }
    return convert(scalar, field(key), converter);
  }

  private <T> T convert(ScalarNode scalar, String field, Converter<T> converter) {
    binder.position(field, scalar.getStartMark());
    String text = scalar.getValue();
    if (text.isEmpty()) {
      binder.error(scalar.getStartMark(), field, "must not be empty");
      return null;
    }
    try {
      return converter.convert(text);
    } catch (InvalidValue e) {
      binder.error(scalar.getStartMark(), field, e.getMessage());
      return null;
    }
  }

  String string(String key, boolean required, String fallback, Converter<String> check) {
    return value(key, required, fallback, check);
  }

  /** A decimal integer from {@code min} to {@code max}; a quoted number is refused. */
  Integer integer(String key, int fallback, int min, int max) {
    Node node = node(key);
    if (node instanceof ScalarNode && !node.getTag().equals(Tag.INT)) {
      binder.error(node.getStartMark(), field(key), "expected an integer, got " + describe(node));
      return null;
    }
    return value(
        key,
        false,
        fallback,
        v -> {
          int n;
          try {
            n = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new InvalidValue("expected a decimal integer, got " + Excerpt.quoted(v));
          }
          if (n < min || n > max) {
            throw new InvalidValue("must be between " + min + " and " + max + ", got " + n);
          }
          return n;
        });
  }

  /** {@code true} or {@code false}, nothing YAML 1.1 would also read as a boolean. */
  Boolean bool(String key, boolean fallback) {
    Node node = node(key);
    if (node instanceof ScalarNode scalar
        && !(node.getTag().equals(Tag.BOOL)
            && (scalar.getValue().equalsIgnoreCase("true")
                || scalar.getValue().equalsIgnoreCase("false")))) {
      binder.error(
          node.getStartMark(), field(key), "expected true or false, got " + describe(node));
      return null;
    }
    return value(key, false, fallback, Boolean::valueOf);
  }

  /** A duration like {@code 500ms}, {@code 5s}, {@code 2m} or {@code 1h}, at least {@code min}. */
  Duration duration(String key, Duration fallback, Duration min) {
    return value(
        key,
        false,
        fallback,
        v -> {
          Matcher m = DURATION.matcher(v);
          if (!m.matches()) {
            throw new InvalidValue(
                "expected a duration like 5s, 500ms, 2m or 1h (a whole number and a unit), got "
                    + Excerpt.quoted(v));
          }
          long n = Long.parseLong(m.group(1));
          Duration d =
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
              };
          if (d.compareTo(min) < 0) {
            throw new InvalidValue(
                min.equals(Duration.ofMillis(1))
                    ? "must be greater than 0"
                    : "must be at least " + min.toSeconds() + "s, got " + v);
          }
          return d;
        });
  }

  /**
   * One of {@code choices}, written as its name in lower case; the message lists them in the order
   * given.
   */
  @SafeVarargs
  final <E extends Enum<E>> E choice(String key, E fallback, E... choices) {
    return value(
        key,
        false,
        fallback,
        v -> {
          for (E choice : choices) {
            if (choice.name().toLowerCase(Locale.ROOT).equals(v)) {
              return choice;
            }
          }
          throw new InvalidValue(
              "must be "
                  + Arrays.stream(choices)
                      .map(c -> "'" + c.name().toLowerCase(Locale.ROOT) + "'")
                      .collect(Collectors.joining(" or "))
                  + ", got "
                  + Excerpt.quoted(v));
        });
  }

  /** A size in bytes, in PM2's notation: {@code 1G}, {@code 512M}, {@code 300K} or bytes. */
  Long size(String key, long fallback) {
    return value(key, false, fallback, YamlSection::sizeBytes);
  }

  private static Long sizeBytes(String text) throws InvalidValue {
    Matcher m = SIZE.matcher(text);
    long value;
    if (m.matches()) {
      int shift =
          switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            default -> 30;
          };
      value = Long.parseLong(m.group(1)) << shift;
    } else if (text.matches("\\d{1,15}")) {
      value = Long.parseLong(text);
    } else {
      throw new InvalidValue(
          "expected a size like 1G, 512M or 300K (PM2's max_memory_restart notation), got "
              + Excerpt.quoted(text));
    }
    if (value <= 0) {
      throw new InvalidValue("must be greater than 0");
    }
    return value;
  }

  /** A list of single values, each converted by {@code check}; invalid items are left out. */
  List<String> strings(String key, List<String> fallback, Converter<String> check) {
    Node node = node(key);
    if (node == null) {
      // Absent, null or a forbidden tag: value() reports the tag and falls back otherwise.
      return value(key, false, fallback, List::of);
    }
    if (!(node instanceof SequenceNode sequence)) {
      binder.error(node.getStartMark(), field(key), "expected a list, got " + describe(node));
      return null;
    }
    List<String> values = new ArrayList<>();
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemField = field(key) + "[" + i + "]";
      if (!(item instanceof ScalarNode scalar)
          || !allowedTag(item)
          || item.getTag().equals(Tag.NULL)) {
        binder.error(
            item.getStartMark(), itemField, "expected a single value, got " + describe(item));
        continue;
      }
      values.add(convert(scalar, itemField, check));
    }
    return List.copyOf(values.stream().filter(v -> v != null).toList());
  }
}
