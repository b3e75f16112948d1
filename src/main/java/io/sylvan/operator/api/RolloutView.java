package io.sylvan.operator.api;

import io.sylvan.operator.fleet.RolloutState;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An environment's rollout as {@code /status} and the rollout endpoints show it: the active one,
 * else the latest one (phases and node states in their lower-case wire form).
 *
 * @param failedNode the node whose failure (or {@code abort}, with no node) stopped the rollout
 */
public record RolloutView(
    long id,
    String commit,
    String previousCommit,
    String phase,
    int currentWave,
    int waves,
    int failures,
    int maxFailures,
    boolean autoRevert,
    Instant startedAt,
    Instant updatedAt,
    Instant finishedAt,
    String failedNode,
    String failedStep,
    String failedReason,
    List<Node> nodes) {

  /** One node's progress: its wave and state, when it started and became healthy, its error. */
  public record Node(
      String name, int wave, String state, Instant startedAt, Instant healthyAt, String error) {}

  /** {@code redact}: the one redactor that failure reasons pass before they are answered. */
  static RolloutView of(RolloutState r, UnaryOperator<String> redact) {
    return new RolloutView(
        r.id(),
        r.commit(),
        r.previousCommit(),
        r.phase().wire(),
        r.currentWave(),
        r.waves(),
        r.failures(),
        r.maxFailures(),
        r.autoRevert(),
        r.createdAt(),
        r.updatedAt(),
        r.finishedAt(),
        r.failedNode(),
        r.failedStep(),
        redact.apply(r.failedReason()),
        r.nodes().stream()
            .map(
                n ->
                    new Node(
                        n.node(),
                        n.wave(),
                        n.state().wire(),
                        n.startedAt(),
                        n.healthyAt(),
                        redact.apply(n.error())))
            .toList());
  }

  /** The state of {@code node} in this rollout, or null when it is not part of it. */
  String stateOf(String node) {
    return nodes.stream()
        .filter(n -> n.name().equals(node))
        .map(Node::state)
        .findFirst()
        .orElse(null);
  }
}
