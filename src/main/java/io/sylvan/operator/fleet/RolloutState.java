package io.sylvan.operator.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One rollout as stored, with its nodes in wave order: what status and the agents read. */
public record RolloutState(
    long id,
    String environment,
    String commit,
    String previousCommit,
    RolloutPhase phase,
    int canary,
    int maxParallel,
    Duration minHealthyTime,
    Duration progressDeadline,
    int maxFailures,
    boolean autoRevert,
    int currentWave,
    int failures,
    String failedNode,
    String failedStep,
    String failedReason,
    Instant createdAt,
    Instant updatedAt,
    Instant finishedAt,
    List<NodeProgress> nodes) {

  public RolloutState {
    nodes = List.copyOf(nodes);
  }

  /** The number of waves. */
  public int waves() {
    return nodes.stream().mapToInt(NodeProgress::wave).max().orElse(-1) + 1;
  }

  public Optional<NodeProgress> node(String name) {
    return nodes.stream().filter(n -> n.node().equals(name)).findFirst();
  }

  /** One node's progress in the rollout. */
  public record NodeProgress(
      String node,
      int wave,
      RolloutNodeState state,
      String previousCommit,
      Instant startedAt,
      Instant healthyAt,
      Instant finishedAt,
      String buildId,
      String staticDigest,
      String error) {}
}
