package io.sylvan.operator.spec;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** What the binder says about nodes and keys in its messages. */
final class YamlNodes {

  /** The plain YAML types; any other tag ({@code !!python/object}, {@code !custom}) is refused. */
  private static final Set<Tag> ALLOWED_TAGS =
      Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP, Tag.MAP, Tag.SEQ);

  private YamlNodes() {}

  static boolean allowedTag(Node node) {
    return ALLOWED_TAGS.contains(node.getTag());
  }

  /** The node's type and a short excerpt of a scalar's value: {@code the integer '42'}. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    String value = ((ScalarNode) node).getValue();
    Function<String, String> quoted = kind -> kind + " " + Excerpt.quoted(value);
    Tag tag = node.getTag();
    if (tag.equals(Tag.INT)) {
      return quoted.apply("the integer");
    }
    if (tag.equals(Tag.FLOAT)) {
      return quoted.apply("the number");
    }
    if (tag.equals(Tag.BOOL)) {
      return quoted.apply("the boolean");
    }
    if (tag.equals(Tag.NULL)) {
      return "nothing";
    }
    if (!allowedTag(node)) {
      return "the tag " + tag.getValue();
    }
    return quoted.apply("the string");
  }

  /** "unknown key", with the closest known key when one is near enough to be a typo. */
  static String unknownKey(String key, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    String message = "unknown key " + Excerpt.quoted(key);
    if (best != null && bestDistance <= Math.max(2, best.length() / 4)) {
      return message + "; did you mean '" + best + "'?";
    }
    return message + "; allowed keys here: " + String.join(", ", known);
  }

  /** Levenshtein distance; keys are short, so the quadratic table is fine. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
