package io.sylvan.operator.state;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.spec.NodeIdentity;
import io.sylvan.operator.spec.NodeNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Which node of the fleet this operator is: its name, labels and the id of this process's run of
 * it. Every state row this operator writes carries the name; the instance id tells two processes
 * claiming one name apart.
 */
@ApplicationScoped
public class LocalNode implements NodeIdentity {

  /** The node name rule, shared with the spec's placement. */
  static final Pattern NAME = NodeNames.NAME;

  private static final Pattern LABEL_KEY = NodeNames.LABEL_KEY;
  private static final Pattern LABEL_VALUE = NodeNames.LABEL_VALUE;

  private final String name;
  private final Map<String, String> labels;
  private final String instanceId = UUID.randomUUID().toString();

  @Inject
  public LocalNode(OperatorConfig config) {
    this(config.node().name(), config.node().labels());
  }

  LocalNode(Optional<String> name, Optional<String> labels) {
    this.name = name.map(n -> checkedName(n, "sylvan.node.name")).orElseGet(LocalNode::hostName);
    this.labels = parseLabels(labels.orElse(""));
  }

  @Override
  public String name() {
    return name;
  }

  /** Labels in the order given; empty when none are set. */
  @Override
  public Map<String, String> labels() {
    return labels;
  }

  /**
   * This process's node name, for entities filling in their {@code node} before they are first
   * written (JPA callbacks cannot be injected).
   */
  static String currentName() {
    return io.quarkus.arc.Arc.container().instance(LocalNode.class).get().name();
  }

  /** A fresh id per operator process: two agents claiming one name differ here. */
  public String instanceId() {
    return instanceId;
  }

  /** {@code role=web,zone=a}; a key without a value is an error naming it. */
  static Map<String, String> parseLabels(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "sylvan.node.labels: '" + p + "' is not key=value (example: role=web,zone=a)");
      }
      String key = p.substring(0, eq).strip();
      String value = p.substring(eq + 1).strip();
      if (!LABEL_KEY.matcher(key).matches() || !LABEL_VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "sylvan.node.labels: '"
                + p
                + "' is not a valid label (letters, digits, '.', '_', '-', at most 63 each)");
      }
      if (out.put(key, value) != null) {
        throw new IllegalArgumentException("sylvan.node.labels: '" + key + "' is given twice");
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  static String checkedName(String name, String where) {
    String n = name.strip();
    if (!NAME.matcher(n).matches()) {
      throw new IllegalArgumentException(
          where
              + ": '"
              + n
              + "' is not a node name (lower-case letters, digits, '-' and '.', 1-63 characters)");
    }
    return n;
  }

  /** The host name, lower-cased and cut to a valid node name ("node" if nothing is left). */
  static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null || h.isBlank()) {
      try {
        h = Files.readString(Path.of("/etc/hostname")).strip();
      } catch (IOException e) {
        h = "";
      }
    }
    return sanitize(h);
  }

  static String sanitize(String host) {
    String s = host.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    s = s.replaceAll("^[.-]+", "");
    if (s.length() > 63) {
      s = s.substring(0, 63);
    }
    s = s.replaceAll("[.-]+$", "");
    return s.isEmpty() ? "node" : s;
  }
}
