package io.sylvan.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Rewrites every text value of a JSON tree (redaction, path hiding) before it is shown. */
public final class JsonTexts {

  private JsonTexts() {}

  /**
   * {@code node} with each text value replaced by {@code each} of it; changes the tree in place.
   */
  public static JsonNode map(JsonNode node, UnaryOperator<String> each) {
    if (node.isTextual()) {
      return TextNode.valueOf(each.apply(node.textValue()));
    }
    if (node instanceof ObjectNode o) {
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        f.setValue(map(f.getValue(), each));
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        a.set(i, map(a.get(i), each));
      }
    }
    return node;
  }
}
