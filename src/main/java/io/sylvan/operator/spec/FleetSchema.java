package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecDefaults.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The fleet sections of an {@code AppDeployment}: {@code spec.placement} (which nodes run it) and
 * {@code spec.rollout} (how a new commit reaches them). Part of {@link AppDeploymentSchema}, kept
 * apart because the placement's entries are read item by item.
 */
final class FleetSchema {

  /** Checks a port of the spec (privileged, held by the operator); null after an error. */
  @FunctionalInterface
  interface PortCheck {
    Integer check(int port, Mark at, String field);
  }

  private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})%");

  /** Most nodes a count may name; far beyond any fleet one PostgreSQL coordinates. */
  static final int MAX_NODES = 10_000;

  private final YamlBinder binder;
  private final PortCheck portCheck;

  FleetSchema(YamlBinder binder, PortCheck portCheck) {
    this.binder = binder;
    this.portCheck = portCheck;
  }

  /** The placement; {@link DeploySpec.Placement#none()} when absent; null after an error. */
  DeploySpec.Placement placement(YamlSection s, Path targetRoot) {
    if (!s.isPresent()) {
      return DeploySpec.Placement.none();
    }
    Node nodes = s.node("nodes");
    Node selector = s.node("nodeSelector");
    if (nodes == null && selector == null) {
      binder.error(
          s.where(),
          s.field("nodes"),
          "placement needs nodes (a list of node names) or nodeSelector (labels); leave"
              + " placement out to run on the node that loads the spec");
      return null;
    }
    if (nodes != null && selector != null) {
      binder.error(
          selector.getStartMark(),
          s.field("nodeSelector"),
          "set either nodes or nodeSelector, not both: a node listed by name would not have to"
              + " match the labels");
      return null;
    }
    int errors = binder.errorCount();
    List<DeploySpec.Placement.NodeTarget> targets =
        nodes != null ? nodes(s, nodes, targetRoot) : List.of();
    Map<String, String> labels = selector != null ? selector(s, selector) : Map.of();
    return binder.errorCount() > errors ? null : new DeploySpec.Placement(targets, labels);
  }

  private List<DeploySpec.Placement.NodeTarget> nodes(YamlSection s, Node node, Path targetRoot) {
    String field = s.field("nodes");
    if (!(node instanceof SequenceNode sequence)) {
      binder.error(
          node.getStartMark(),
          field,
          "expected a list of node names or of {name, root, port}, got "
              + YamlNodes.describe(node));
      return List.of();
    }
    if (sequence.getValue().isEmpty()) {
      binder.error(
          node.getStartMark(),
          field,
          "list at least one node, or leave placement out to run on the node that loads the spec");
      return List.of();
    }
    List<DeploySpec.Placement.NodeTarget> targets = new ArrayList<>();
    List<Mark> marks = new ArrayList<>();
    Map<String, Mark> seen = new LinkedHashMap<>();
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemField = field + "[" + i + "]";
      DeploySpec.Placement.NodeTarget target = nodeTarget(s, item, itemField);
      if (target == null) {
        continue;
      }
      Mark first = seen.putIfAbsent(target.name(), item.getStartMark());
      if (first != null) {
        binder.error(
            item.getStartMark(),
            itemField,
            "node '"
                + target.name()
                + "' is listed twice (first at line "
                + (first.getLine() + 1)
                + "); list each node once");
        continue;
      }
      targets.add(target);
      marks.add(rootMark(item));
    }
    rootCollisions(targets, marks, field, targetRoot);
    return List.copyOf(targets);
  }

  /** Where an entry's root override stands (the entry itself when it has none). */
  private static Mark rootMark(Node item) {
    if (item instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals("root")) {
          return tuple.getValueNode().getStartMark();
        }
      }
    }
    return item.getStartMark();
  }

  private DeploySpec.Placement.NodeTarget nodeTarget(YamlSection s, Node item, String itemField) {
    if (item instanceof ScalarNode scalar
        && YamlNodes.allowedTag(item)
        && !item.getTag().equals(Tag.NULL)) {
      binder.position(itemField, scalar.getStartMark());
      String name = nodeName(scalar.getValue(), scalar.getStartMark(), itemField);
      return name == null ? null : new DeploySpec.Placement.NodeTarget(name, null, null);
    }
    if (item instanceof MappingNode mapping) {
      YamlSection entry =
          new YamlSection(binder, mapping, itemField, item.getStartMark(), "name", "root", "port");
      String name = entry.string("name", true, null, v -> checkedName(v));
      Path root = entry.value("root", false, null, SpecValues::root);
      Integer port = null;
      Node given = entry.node("port");
      if (given != null) {
        port = entry.integer("port", 0, 1, 65535);
        if (port != null) {
          port = portCheck.check(port, given.getStartMark(), entry.field("port"));
        }
        if (port == null) {
          return null;
        }
      }
      return name == null ? null : new DeploySpec.Placement.NodeTarget(name, root, port);
    }
    binder.error(
        item.getStartMark(),
        itemField,
        "expected a node name or a mapping {name, root, port}, got " + YamlNodes.describe(item));
    return null;
  }

  private String nodeName(String value, Mark at, String field) {
    try {
      return checkedName(value);
    } catch (InvalidValue e) {
      binder.error(at, field, e.getMessage());
      return null;
    }
  }

  private static String checkedName(String value) throws InvalidValue {
    if (!NodeNames.NAME.matcher(value).matches()) {
      throw new InvalidValue(
          "must be a node name (" + NodeNames.NAME_RULE + "), got " + Excerpt.quoted(value));
    }
    return value;
  }

  /**
   * A root override exists to keep nodes that share one machine apart: one that equals (or nests
   * with) another listed node's root keeps nothing apart, and both would flip one {@code current}.
   */
  private void rootCollisions(
      List<DeploySpec.Placement.NodeTarget> targets,
      List<Mark> marks,
      String field,
      Path targetRoot) {
    for (int i = 0; i < targets.size(); i++) {
      DeploySpec.Placement.NodeTarget a = targets.get(i);
      if (a.root() == null) {
        continue;
      }
      for (int j = 0; j < targets.size(); j++) {
        DeploySpec.Placement.NodeTarget b = targets.get(j);
        Path other = b.root() != null ? b.root() : targetRoot;
        if (i == j || other == null || (b.root() != null && j > i)) {
          // Two overrides are compared once, reported at the later one.
          continue;
        }
        if (a.root().startsWith(other) || other.startsWith(a.root())) {
          binder.error(
              marks.get(i),
              field + "[" + i + "].root",
              "root "
                  + a.root()
                  + (a.root().equals(other) ? " is also" : " nests with " + other + ",")
                  + " the root of node '"
                  + b.name()
                  + "'"
                  + (b.root() == null ? " (spec.target.root)" : "")
                  + "; a root override keeps nodes that share a machine apart, so each must be"
                  + " distinct and not inside another");
          break;
        }
      }
    }
  }

  private Map<String, String> selector(YamlSection s, Node node) {
    String field = s.field("nodeSelector");
    if (!(node instanceof MappingNode mapping)) {
      binder.error(
          node.getStartMark(),
          field,
          "expected a mapping of labels (role: web), got " + YamlNodes.describe(node));
      return Map.of();
    }
    if (mapping.getValue().isEmpty()) {
      binder.error(
          node.getStartMark(),
          field,
          "an empty nodeSelector would select every node; give at least one label (role: web)");
      return Map.of();
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node key = tuple.getKeyNode();
      Node value = tuple.getValueNode();
      if (!(key instanceof ScalarNode k) || !YamlNodes.allowedTag(key)) {
        binder.error(key.getStartMark(), field, "label keys must be plain names");
        continue;
      }
      String labelField = field + "." + k.getValue();
      if (!NodeNames.LABEL_KEY.matcher(k.getValue()).matches()) {
        binder.error(
            key.getStartMark(), labelField, "is not a label key (" + NodeNames.LABEL_RULE + ")");
        continue;
      }
      if (!(value instanceof ScalarNode v)
          || !YamlNodes.allowedTag(value)
          || value.getTag().equals(Tag.NULL)
          || !NodeNames.LABEL_VALUE.matcher(v.getValue()).matches()) {
        binder.error(
            value.getStartMark(),
            labelField,
            "expected a label value ("
                + NodeNames.LABEL_RULE
                + "), got "
                + YamlNodes.describe(value));
        continue;
      }
      binder.position(labelField, value.getStartMark());
      if (labels.put(k.getValue(), v.getValue()) != null) {
        binder.error(key.getStartMark(), labelField, "the label is given twice");
      }
    }
    return labels;
  }

  /** The rollout policy with its defaults; null after an error. */
  DeploySpec.Rollout rollout(YamlSection s) {
    DeploySpec.Rollout.Amount canary = amount(s, "canary", ROLLOUT_CANARY, 0, 0);
    DeploySpec.Rollout.Amount maxParallel = amount(s, "maxParallel", ROLLOUT_MAX_PARALLEL, 1, 1);
    Duration minHealthy = s.duration("minHealthyTime", ROLLOUT_MIN_HEALTHY_TIME, Duration.ZERO);
    Duration deadline =
        s.duration("progressDeadline", ROLLOUT_PROGRESS_DEADLINE, Duration.ofSeconds(1));
    Integer maxFailures = s.integer("maxFailures", ROLLOUT_MAX_FAILURES, 0, MAX_NODES);
    Boolean autoRevert = s.bool("autoRevert", ROLLOUT_AUTO_REVERT);
    if (canary == null
        || maxParallel == null
        || minHealthy == null
        || deadline == null
        || maxFailures == null
        || autoRevert == null) {
      return null;
    }
    return new DeploySpec.Rollout(
        canary, maxParallel, minHealthy, deadline, maxFailures, autoRevert);
  }

  /** A count ({@code 2}) or a percentage of the placed nodes ({@code "25%"}). */
  private DeploySpec.Rollout.Amount amount(
      YamlSection s, String key, DeploySpec.Rollout.Amount fallback, int minCount, int minPercent) {
    Node node = s.node(key);
    boolean integer = node instanceof ScalarNode && node.getTag().equals(Tag.INT);
    return s.value(
        key,
        false,
        fallback,
        v -> {
          if (integer) {
            int n = parse(v);
            if (n < minCount || n > MAX_NODES) {
              throw new InvalidValue(
                  "must be between " + minCount + " and " + MAX_NODES + " nodes, got " + n);
            }
            return DeploySpec.Rollout.Amount.count(n);
          }
          Matcher m = PERCENT.matcher(v);
          if (!m.matches()) {
            throw new InvalidValue(
                "expected a count of nodes like 2 or a percentage like \"25%\", got "
                    + Excerpt.quoted(v));
          }
          int p = Integer.parseInt(m.group(1));
          if (p < minPercent || p > 100) {
            throw new InvalidValue("must be between " + minPercent + "% and 100%, got " + v);
          }
          return DeploySpec.Rollout.Amount.percent(p);
        });
  }

  private static int parse(String v) throws InvalidValue {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new InvalidValue("expected a decimal integer, got " + Excerpt.quoted(v));
    }
  }
}
