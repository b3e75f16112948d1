package io.sylvan.operator.pipeline;

import io.sylvan.operator.state.DeploymentType;

/**
 * Told what the pipeline does, so that one status writer outside the pipeline records it: the
 * pipeline writes only its own history rows (deployment, steps, health checks).
 */
public interface DeploymentListener {

  /** A deployment row of {@code type} to {@code commit} was created and is about to run. */
  void started(String environment, DeploymentType type, String commit);

  /** A run ended (its rollback included); called before {@code execute} returns. */
  void finished(DeploymentOutcome outcome);
}
