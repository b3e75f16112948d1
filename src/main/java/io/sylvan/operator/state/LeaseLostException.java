package io.sylvan.operator.state;

/**
 * A write about a run was refused: this process no longer holds the run lease of the run's
 * (environment, node) with the token it took (its lease expired while the database was out of
 * reach, and another operator process took the pair over). The run stops before its next command;
 * nothing about it is written any more, and the environment is retried, not failed.
 */
public class LeaseLostException extends RuntimeException {

  public LeaseLostException(String message) {
    super(message);
  }

  public LeaseLostException(String environment, String node, long token) {
    super(
        "the run lease of "
            + environment
            + " on node "
            + node
            + " (token "
            + token
            + ") was taken over by another operator process; this run stops");
  }
}
