package io.sylvan.operator.api;

import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.SyncStatus;
import java.time.Instant;
import java.util.List;

/** One environment's status: the commits kept apart, sync, health and conditions. */
public record EnvironmentStatus(
    String name,
    String appName,
    String specFile,
    String specRevision,
    SyncStatus sync,
    AppHealth health,
    String desiredCommit,
    String actualCommit,
    String lastAttemptedCommit,
    String lastAppliedCommit,
    String lastGoodCommit,
    String failedCommit,
    String pinnedCommit,
    boolean suspended,
    Instant observedAt,
    List<Condition> conditions,
    DeploymentView lastDeployment) {

  public static EnvironmentStatus of(EnvironmentState e, DeploymentView lastDeployment) {
    return new EnvironmentStatus(
        e.name,
        e.appName,
        e.specFile,
        e.specRevision,
        e.sync,
        e.health,
        e.desiredCommit,
        e.actualCommit,
        e.lastAttemptedCommit,
        e.lastAppliedCommit,
        e.lastGoodCommit,
        e.failedCommit,
        e.pinnedCommit,
        e.suspended,
        e.observedAt,
        e.conditions,
        lastDeployment);
  }
}
