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
 * Unknown); on a single node they are that node's. {@code rollout} is the environment's active
 * rollout, else its latest one; null when it never had one (no placement, or no new commit yet).
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
    List<NodeStatus> nodes,
    RolloutView rollout) {

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
   * @param rolloutState the node's state in {@link #rollout} (pending, updating, ...); null when
   *     there is no rollout or the node is not part of it
   */
  public record NodeStatus(
      String name,
      String actualCommit,
      SyncStatus sync,
      AppHealth health,
      DeploymentView lastDeployment,
      String rolloutState) {

    static NodeStatus of(EnvironmentState e, DeploymentView lastDeployment) {
      return new NodeStatus(e.node, e.actualCommit, e.sync, e.health, lastDeployment, null);
    }

    /** A placed node that has written no state for the environment yet. */
    static NodeStatus missing(String node) {
      return new NodeStatus(node, null, SyncStatus.OUT_OF_SYNC, AppHealth.UNKNOWN, null, null);
    }
  }

  /** This status with the environment's rollout, and each node's state in it. */
  EnvironmentStatus withRollout(RolloutView r) {
    if (r == null) {
      return this;
    }
    List<NodeStatus> withStates = new java.util.ArrayList<>();
    for (NodeStatus n : nodes) {
      withStates.add(
          new NodeStatus(
              n.name(),
              n.actualCommit(),
              n.sync(),
              n.health(),
              n.lastDeployment(),
              r.stateOf(n.name())));
    }
    // A node of the rollout that has no row and is not placed (any more) is still shown.
    for (RolloutView.Node rn : r.nodes()) {
      if (withStates.stream().noneMatch(n -> n.name().equals(rn.name()))) {
        withStates.add(
            new NodeStatus(
                rn.name(), null, SyncStatus.UNKNOWN, AppHealth.UNKNOWN, null, rn.state()));
      }
    }
    withStates.sort(java.util.Comparator.comparing(NodeStatus::name));
    return new EnvironmentStatus(
        name,
        appName,
        specFile,
        specRevision,
        sync,
        health,
        desiredCommit,
        actualCommit,
        lastAttemptedCommit,
        lastAppliedCommit,
        lastGoodCommit,
        failedCommit,
        pinnedCommit,
        suspended,
        observedAt,
        conditions,
        lastDeployment,
        List.copyOf(withStates),
        r);
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
        List.copyOf(nodes),
        null);
  }

  private static <T> T worst(List<T> order, List<T> values, T fallback) {
    if (values.isEmpty()) {
      return fallback;
    }
    return values.stream().min((a, b) -> order.indexOf(a) - order.indexOf(b)).orElse(fallback);
  }
}
