package io.sylvan.operator.spec;

import java.util.Map;

/**
 * The node that loads the specs: only the environments placed on it are valid here, with its {@code
 * root} and {@code port} overrides applied ({@link DeploySpec#forNode}).
 */
public interface NodeIdentity {

  /** The node's name ({@link NodeNames#NAME}). */
  String name();

  /** The node's labels, matched against {@code spec.placement.nodeSelector}. */
  Map<String, String> labels();
}
