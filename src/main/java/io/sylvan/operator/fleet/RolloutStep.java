package io.sylvan.operator.fleet;

import java.time.Duration;

/**
 * What an agent does next for its node in a rollout: the answer of {@link RolloutStore#admit},
 * {@link RolloutStore#checkBuild}, {@link RolloutStore#healthy} and {@link RolloutStore#stable}.
 *
 * @param decision what the agent does
 * @param reason why, for logs and status (never null)
 * @param retryAfter for {@link Decision#WAIT} and {@link Decision#PROCEED} after {@code healthy}:
 *     the earliest useful time to ask again (a notify may come sooner); zero otherwise
 */
public record RolloutStep(Decision decision, String reason, Duration retryAfter) {

  /** What the asking agent does next. */
  public enum Decision {
    /** Go on: start (or after a crash resume) the update, switch, or wait out minHealthyTime. */
    PROCEED,
    /** Not yet: an earlier wave, minHealthyTime or a pause holds it; ask again on a notify. */
    WAIT,
    /** This node is done for this rollout (stable, or left on the commit by an abort). */
    DONE,
    /** The rollout is reverting and this node may serve its commit: go back, then reverted(). */
    REVERT,
    /** Never start or finish this commit: the rollout stopped, or this node failed. */
    STOPPED
  }

  static RolloutStep of(Decision d, String reason) {
    return new RolloutStep(d, reason, Duration.ZERO);
  }

  static RolloutStep of(Decision d, String reason, Duration retryAfter) {
    return new RolloutStep(d, reason, retryAfter);
  }
}
