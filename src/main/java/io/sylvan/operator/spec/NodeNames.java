package io.sylvan.operator.spec;

import java.util.regex.Pattern;

/**
 * The rules for node names and labels, shared by the node's own configuration ({@code
 * sylvan.node.name}, {@code sylvan.node.labels}) and the spec's placement, so a name a spec lists
 * is always one a node can have.
 */
public final class NodeNames {

  /** DNS-label-like, as Kubernetes node names: lower case, digits, '-' and '.', 1-63 chars. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");

  public static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,61})?");
  public static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9._-]{0,63}");

  /** What {@link #NAME} allows, for messages. */
  public static final String NAME_RULE = "lower-case letters, digits, '-' and '.', 1-63 characters";

  /** What {@link #LABEL_KEY} and {@link #LABEL_VALUE} allow, for messages. */
  public static final String LABEL_RULE = "letters, digits, '.', '_', '-', at most 63 each";

  private NodeNames() {}
}
