package io.sylvan.operator.pipeline;

import io.sylvan.operator.state.EnvironmentLock;
import java.util.List;

/**
 * A deployment whose row exists and whose environment lock is held, ready to run. Created on the
 * caller's thread (so an API call can answer with the id), run on a worker.
 *
 * @param replaces for an automatic rollback: the serving commit it replaces; else null
 */
public record PreparedDeployment(
    DeploymentContext context,
    Kind kind,
    List<Step> steps,
    EnvironmentLock.Held lock,
    Long rollbackOf,
    String replaces) {

  /** What a prepared deployment is. */
  public enum Kind {
    /** Build the commit and make it serve: the whole pipeline. */
    UPDATE,
    /** Make an already built release serve again (drift correction); rolls back on failure. */
    ACTIVATION,
    /** Make an earlier release serve again; its failure is a failed rollback. */
    ROLLBACK
  }

  public long deploymentId() {
    return context.deploymentId();
  }
}
