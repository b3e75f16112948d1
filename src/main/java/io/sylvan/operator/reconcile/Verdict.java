package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.state.Reasons;

/**
 * What the reconciler makes of a pipeline outcome: look again at the interval, retry (the loop's
 * backoff decides when), or stall. Exhaustive: a new result or disposition does not compile until
 * it is classified here.
 */
record Verdict(ReconcileResult.Kind kind, String reason) {

  static Verdict of(DeploymentOutcome o) {
    return switch (o.result()) {
      case SUCCEEDED, FORCED ->
          new Verdict(ReconcileResult.Kind.REQUEUE, Reasons.RECONCILIATION_SUCCEEDED);
      case ROLLED_BACK -> new Verdict(ReconcileResult.Kind.STALLED, Reasons.ROLLED_BACK);
      case FAILED -> new Verdict(ReconcileResult.Kind.STALLED, Reasons.DEPLOYMENT_FAILED);
      case ROLLBACK_FAILED ->
          o.interrupted()
              // SIGTERM cut the rollback short: nothing is known to be broken; try at next start.
              ? new Verdict(ReconcileResult.Kind.RETRY, Reasons.OPERATOR_RESTARTED)
              : new Verdict(ReconcileResult.Kind.STALLED, Reasons.ROLLBACK_FAILED);
      case HALTED -> halted(o.code());
    };
  }

  /** A run halted by {@code code}; the serving release was kept. */
  static Verdict halted(FailureCode code) {
    return switch (code.disposition()) {
      case HALT_TERMINAL -> new Verdict(ReconcileResult.Kind.STALLED, code.reason());
      // A roll-back code halts only a run that was not live yet: retried like any halt.
      case HALT_RETRY, ROLL_BACK -> new Verdict(ReconcileResult.Kind.RETRY, code.reason());
    };
  }
}
