package io.sylvan.operator.api;

import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.SyncStatus;
import java.time.Instant;
import java.util.List;

/**
 * One environment's status: the commits kept apart, sync, health and conditions, and one entry per
 * node. {@code sync} and {@code health} are the fleet's: Synced only when every placed node is,
 * Healthy only when every placed node is (a placed node without state yet is OutOfSync and
 * Unknown); on a single node they are that node's.
 */
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
    DeploymentView lastDeployment,
    List<NodeStatus> nodes) {

  /** Sync values from worst to best: the fleet's is the worst of its nodes'. */
  private static final List<SyncStatus> SYNC_ORDER =
      List.of(SyncStatus.OUT_OF_SYNC, SyncStatus.UNKNOWN, SyncStatus.SYNCED);

  /** Health values from worst to best. */
  private static final List<AppHealth> HEALTH_ORDER =
      List.of(
          AppHealth.DEGRADED,
          AppHealth.MISSING,
          AppHealth.PROGRESSING,
          AppHealth.UNKNOWN,
          AppHealth.HEALTHY);

  /**
   * One node's part of the environment.
   *
   * @param lastDeployment that node's latest deployment (summary); null when none
   */
  public record NodeStatus(
      String name,
      String actualCommit,
      SyncStatus sync,
      AppHealth health,
      DeploymentView lastDeployment) {

    static NodeStatus of(EnvironmentState e, DeploymentView lastDeployment) {
      return new NodeStatus(e.node, e.actualCommit, e.sync, e.health, lastDeployment);
    }

    /** A placed node that has written no state for the environment yet. */
    static NodeStatus missing(String node) {
      return new NodeStatus(node, null, SyncStatus.OUT_OF_SYNC, AppHealth.UNKNOWN, null);
    }
  }

  /**
   * @param e the row the environment-level fields come from (this node's when it has one)
   * @param nodes every node of the environment, by name
   * @param placed the nodes whose sync and health make the environment's
   */
  public static EnvironmentStatus of(
      EnvironmentState e,
      DeploymentView lastDeployment,
      List<NodeStatus> nodes,
      List<NodeStatus> placed) {
    return new EnvironmentStatus(
        e.name,
        e.appName,
        e.specFile,
        e.specRevision,
        worst(SYNC_ORDER, placed.stream().map(NodeStatus::sync).toList(), e.sync),
        worst(HEALTH_ORDER, placed.stream().map(NodeStatus::health).toList(), e.health),
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
        lastDeployment,
        List.copyOf(nodes));
  }

  private static <T> T worst(List<T> order, List<T> values, T fallback) {
    if (values.isEmpty()) {
      return fallback;
    }
    return values.stream().min((a, b) -> order.indexOf(a) - order.indexOf(b)).orElse(fallback);
  }
}
