package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.state.Trigger;

/**
 * Why a reconcile runs. {@code personActed} (a manual sync) lifts the no-retry rule for a commit
 * that failed, and a manual rollback's pin.
 */
public record ReconcileRequest(Trigger trigger, boolean personActed, DeployOptions options) {

  public static ReconcileRequest scheduled() {
    return new ReconcileRequest(Trigger.SCHEDULE, false, DeployOptions.NONE);
  }

  public static ReconcileRequest of(Trigger trigger) {
    return new ReconcileRequest(trigger, false, DeployOptions.NONE);
  }

  public static ReconcileRequest manualSync(DeployOptions options) {
    return new ReconcileRequest(Trigger.MANUAL, true, options);
  }
}
