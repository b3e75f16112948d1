package io.sylvan.operator.pipeline;

import io.sylvan.operator.state.EnvironmentLock;
import java.util.List;

/**
 * A deployment whose row exists and whose environment lock is held, ready to run. Created on the
 * caller's thread (so an API call can answer with the id), run on a worker.
 */
public record PreparedDeployment(
    DeploymentContext context, List<Step> steps, EnvironmentLock.Held lock, Long rollbackOf) {

  public long deploymentId() {
    return context.deploymentId();
  }
}
