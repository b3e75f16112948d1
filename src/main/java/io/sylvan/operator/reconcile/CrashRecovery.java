package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.PreviewProcess;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.EnvironmentLock;
import io.sylvan.operator.state.EnvironmentService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Crash recovery: deployments left {@code in_progress} with nobody running them are closed as
 * failed, and their environments named so the loop reconciles them at once. The first sweep after
 * start (at startup, or at a later spec poll when the database did not answer then) finds those of
 * a dead operator (OPERATOR_RESTARTED); later sweeps, at each spec poll, those of a run that lost
 * its database in the middle and could not record its end (INTERRUPTED). A run holds its
 * environment's lock from before its row exists until after its end is recorded, so an environment
 * whose lock is held (by this JVM or another operator instance) is left alone.
 */
@ApplicationScoped
public class CrashRecovery {

  private static final Logger LOG = Logger.getLogger(CrashRecovery.class);

  @Inject DeploymentRecorder recorder;
  @Inject EnvironmentLock locks;
  @Inject EnvironmentService environments;

  private boolean startupSweepDone;

  /**
   * Closes the interrupted deployments found now and returns their environments (to reconcile at
   * once). When the database does not answer, the sweep is postponed to the next call and what it
   * closed so far is returned.
   */
  public synchronized Set<String> sweep() {
    boolean atStartup = !startupSweepDone;
    FailureCode code = atStartup ? FailureCode.OPERATOR_RESTARTED : FailureCode.INTERRUPTED;
    String message =
        atStartup
            ? "the operator stopped during this deployment"
            : "this deployment lost its operator (no run holds the environment's lock)";
    String reason = code.reason();
    Set<String> recovered = new TreeSet<>();
    try {
      for (String env : recorder.environmentsInProgress()) {
        try (var lock = locks.tryLock(env).orElse(null)) {
          if (lock == null) {
            continue;
          }
          stopLeftoverPreviews(env);
          int closed = recorder.closeInterrupted(env, code.name(), message);
          if (closed > 0) {
            LOG.warnf("[%s] closed %d interrupted deployment(s); reconciling now", env, closed);
            environments.update(
                env,
                e ->
                    e.markReconciling(
                        reason, "a deployment was interrupted (" + message + "); reconciling"));
            recovered.add(env);
          }
        }
      }
      startupSweepDone = true;
    } catch (Exception e) {
      LOG.warnf("crash recovery postponed to the next spec poll: %s", e.getMessage());
    }
    return recovered;
  }

  /**
   * A preview (the pre-traffic gate) outlives a dead operator: its pid file is under the target
   * root, two levels above the release directory the deployment recorded.
   */
  private void stopLeftoverPreviews(String env) {
    for (String dir : recorder.releaseDirsInProgress(env)) {
      Path release = Path.of(dir);
      Path root = release.getParent() == null ? null : release.getParent().getParent();
      if (root != null) {
        PreviewProcess.stopLeftover(root).ifPresent(what -> LOG.warnf("[%s] %s", env, what));
      }
    }
  }
}
