package io.sylvan.operator.reconcile;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.HealthReport;
import io.sylvan.operator.pipeline.PreparedDeployment;
import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.pipeline.SourceCheck;
import io.sylvan.operator.pipeline.ToolboxProducer;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Brings one environment to its desired state, level-triggered and idempotent: guards, then
 * observe, decide, act, and every outcome classified as requeue, retry with backoff, or stalled.
 */
@ApplicationScoped
public class Reconciler {

  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  /** Error codes of a halted deployment that will fail again the same way for that commit. */
  static final Set<String> TERMINAL_CODES =
      Set.of(
          "COMMIT_NOT_FOUND",
          "NO_LOCKFILE",
          "BUILD_FAILED",
          "MIGRATION_FAILED",
          "DB_BACKUP_FAILED");

  /** Used while no valid spec says otherwise. */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;
  @Inject DeploymentRunner runner;
  @Inject ToolboxProducer toolbox;
  @Inject OperatorMetrics metrics;
  @Inject Notifier notifier;

  @Inject OperatorConfig config;

  private final Object processesLock = new Object();
  private List<Pm2Process> processes;
  private long processesAt;

  public ReconcileResult reconcile(String env, ReconcileRequest request) {
    long t0 = System.nanoTime();
    try {
      return reconcileOnce(env, request);
    } catch (DeploymentRunner.BusyException e) {
      return retry(env, Reasons.LOCK_BUSY, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warnf("reconcile of %s failed: %s", env, e.toString());
      return retry(env, Reasons.PROGRESSING, "reconcile error: " + e.getMessage());
    } finally {
      metrics.reconcile(env, Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  private ReconcileResult reconcileOnce(String env, ReconcileRequest request)
      throws DeploymentRunner.BusyException {
    // Guards: a readable spec, a valid one, not suspended.
    Optional<SpecSnapshot> snapshot = specs.current();
    if (snapshot.isEmpty()) {
      return retry(env, Reasons.SPEC_SOURCE_UNAVAILABLE, "no spec loaded yet");
    }
    DeploySpec spec = snapshot.get().valid().get(env);
    if (spec == null) {
      boolean conflict =
          snapshot.get().invalid().stream()
              .anyMatch(
                  i -> i.environment().equals(env) && i.problem() == SpecSnapshot.Problem.CONFLICT);
      return conflict
          ? ReconcileResult.stalled(
              DEFAULT_INTERVAL, Reasons.SPEC_CONFLICT, "collides with another environment")
          : ReconcileResult.stalled(DEFAULT_INTERVAL, Reasons.INVALID_SPEC, "no valid spec");
    }
    Duration interval = spec.spec().reconcile().interval();
    EnvironmentState state = load(env);
    if (state.suspended) {
      environments.update(
          env,
          e ->
              e.setCondition(
                  Condition.RECONCILING,
                  false,
                  Reasons.SUSPENDED,
                  e.suspendedManually ? "suspended by a person" : "suspended by the spec"));
      return ReconcileResult.requeue(interval, Reasons.SUSPENDED, "suspended");
    }
    if (request.personActed()) {
      liftStall(env);
      state = load(env);
    }

    // Observe: a recent process list shared with the other environments when nothing drifted;
    // drift is confirmed on a fresh one before anything is decided.
    String target = state.pinnedCommit != null ? state.pinnedCommit : spec.spec().source().commit();
    Observation shared = Observation.of(spec, target, processes(false));
    Observation obs =
        shared.drift() == Drift.NONE ? shared : Observation.of(spec, target, processes(true));

    // Decide.
    if (obs.drift() == Drift.NONE) {
      return inSync(spec, state, obs, target, snapshot.get().revision());
    }
    recordDrift(env, obs);
    if (target.equals(state.failedCommit)) {
      return stalledOnFailedCommit(env, state, interval);
    }
    unstall(env, state, target);
    if (spec.spec().reconcile().mode() == DeploySpec.Reconcile.Mode.WARN) {
      environments.update(
          env,
          e -> {
            e.setCondition(
                Condition.READY,
                false,
                Reasons.DRIFT_REPORTED,
                obs.detail() + " (warn mode: not corrected)");
            e.setCondition(Condition.RECONCILING, false, Reasons.DRIFT_REPORTED, "warn mode");
          });
      return ReconcileResult.requeue(interval, Reasons.DRIFT_REPORTED, obs.detail());
    }

    // Act.
    LOG.infof("[%s] drift: %s (%s); correcting", env, obs.drift().label(), obs.detail());
    Optional<ReconcileResult> unavailable = checkSource(spec, target);
    if (unavailable.isPresent()) {
      return unavailable.get();
    }
    DeploymentOutcome outcome = act(spec, target, state, obs, request, snapshot.get().revision());
    return classify(env, spec, target, outcome);
  }

  /** No drift: confirm health once; an unhealthy release that was never good is rolled back. */
  private ReconcileResult inSync(
      DeploySpec spec, EnvironmentState state, Observation obs, String target, String revision)
      throws DeploymentRunner.BusyException {
    String env = spec.environment();
    Duration interval = spec.spec().reconcile().interval();
    HealthReport health = toolbox.get().healthChecker().checkOnce(spec, target, obs.processes());
    if (!health.healthy()
        && !target.equals(state.lastGoodCommit)
        && state.lastGoodCommit != null
        && spec.spec().rollback().automatic()) {
      Optional<Path> good =
          new Releases(spec.spec().target().root()).forCommit(state.lastGoodCommit);
      if (good.isPresent()) {
        LOG.warnf(
            "[%s] serving %s is unhealthy and was never good: rolling back", env, obs.detail());
        environments.update(env, e -> e.failedCommit = target);
        obs.currentRelease().ifPresent(Releases::markFastDrain);
        PreparedDeployment p =
            runner.prepareActivation(
                spec,
                state.lastGoodCommit,
                good.get(),
                DeploymentType.ROLLBACK,
                Trigger.AUTO_ROLLBACK,
                revision,
                null);
        DeploymentOutcome o = runner.execute(p);
        forgetProcesses();
        return classify(env, spec, state.lastGoodCommit, o);
      }
    }
    boolean pinned = state.pinnedCommit != null;
    environments.update(
        env,
        e -> {
          e.actualCommit = target;
          e.sync =
              !pinned && target.equals(e.desiredCommit)
                  ? SyncStatus.SYNCED
                  : SyncStatus.OUT_OF_SYNC;
          e.observedAt = Instant.now();
          if (health.healthy()) {
            e.health = AppHealth.HEALTHY;
            e.lastAppliedCommit = target;
            if (!pinned) {
              e.lastGoodCommit = target;
            }
            if (pinned) {
              e.setCondition(
                  Condition.READY,
                  true,
                  Reasons.MANUAL_ROLLBACK_PINNED,
                  "pinned to "
                      + Observation.short12(target)
                      + " by a manual rollback until the spec names another commit than "
                      + Observation.short12(e.pinnedDesiredCommit));
            } else {
              e.setCondition(
                  Condition.READY,
                  true,
                  Reasons.RECONCILIATION_SUCCEEDED,
                  obs.detail() + ", healthy");
            }
            e.setCondition(Condition.STALLED, false, Reasons.RECONCILIATION_SUCCEEDED, "");
          } else {
            e.health = AppHealth.DEGRADED;
            e.setCondition(Condition.READY, false, Reasons.HEALTH_CHECK_FAILED, health.message());
          }
          e.setCondition(
              Condition.RECONCILING,
              false,
              pinned ? Reasons.MANUAL_ROLLBACK_PINNED : Reasons.RECONCILIATION_SUCCEEDED,
              "in sync");
          metrics.status(env, e.sync, e.health);
        });
    if (!health.healthy()) {
      notifier.notify(Notifier.Event.HEALTH_DEGRADED, env, target, health.message());
    }
    return ReconcileResult.requeue(interval, Reasons.RECONCILIATION_SUCCEEDED, obs.detail());
  }

  /**
   * Before building, the app repository must answer and hold the target commit: an unreachable
   * repository is retried with backoff, a missing commit stalls. Neither records a deployment. A
   * release already on disk needs neither.
   */
  private Optional<ReconcileResult> checkSource(DeploySpec spec, String target) {
    String env = spec.environment();
    if (new Releases(spec.spec().target().root()).forCommit(target).isPresent()) {
      return Optional.empty();
    }
    SourceCheck.Result source =
        SourceCheck.check(toolbox.get(), spec.spec().source().repository(), target);
    if (source.status() == SourceCheck.Status.UNAVAILABLE) {
      String message = source.message();
      environments.update(
          env,
          st -> {
            st.sync = SyncStatus.OUT_OF_SYNC;
            st.setCondition(Condition.READY, false, Reasons.SOURCE_UNAVAILABLE, message);
          });
      return Optional.of(retry(env, Reasons.SOURCE_UNAVAILABLE, message));
    }
    if (source.status() == SourceCheck.Status.COMMIT_NOT_FOUND) {
      String message = source.message();
      environments.update(
          env,
          st -> {
            st.failedCommit = target;
            st.sync = SyncStatus.OUT_OF_SYNC;
            st.setCondition(Condition.READY, false, Reasons.COMMIT_NOT_FOUND, message);
            st.setCondition(
                Condition.STALLED,
                true,
                Reasons.COMMIT_NOT_FOUND,
                message + "; not retried until the spec names another commit or a person syncs");
            st.setCondition(Condition.RECONCILING, false, Reasons.COMMIT_NOT_FOUND, "stalled");
          });
      notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, target, message);
      return Optional.of(
          ReconcileResult.stalled(
              spec.spec().reconcile().interval(), Reasons.COMMIT_NOT_FOUND, message));
    }
    return Optional.empty();
  }

  private ReconcileResult stalledOnFailedCommit(
      String env, EnvironmentState state, Duration interval) {
    String failed = Observation.short12(state.failedCommit);
    // A Stalled condition is kept only when it describes this commit's failure.
    String reason =
        state
            .condition(Condition.STALLED)
            .filter(c -> describes(c, failed))
            .map(Condition::reason)
            .orElse(Reasons.ROLLED_BACK);
    environments.update(
        env,
        e -> {
          e.sync = SyncStatus.OUT_OF_SYNC;
          if (!e.condition(Condition.STALLED).map(c -> describes(c, failed)).orElse(false)) {
            e.setCondition(
                Condition.STALLED,
                true,
                reason,
                "commit "
                    + failed
                    + " failed before; not retried until the spec names another commit or a person syncs");
          }
        });
    return ReconcileResult.stalled(interval, reason, "commit " + failed + " failed before");
  }

  private static boolean describes(Condition stalled, String shortCommit) {
    return stalled.status() && stalled.message() != null && stalled.message().contains(shortCommit);
  }

  /**
   * The desired commit is not the one that failed: a Stalled condition left by that earlier failure
   * no longer describes the environment (Stalled tells about the current failure only).
   */
  private void unstall(String env, EnvironmentState state, String target) {
    if (state.condition(Condition.STALLED).map(Condition::status).orElse(false)) {
      environments.update(
          env,
          e ->
              e.setCondition(
                  Condition.STALLED,
                  false,
                  Reasons.PROGRESSING,
                  "reconciling " + Observation.short12(target) + ", which has not failed"));
    }
  }

  private DeploymentOutcome act(
      DeploySpec spec,
      String target,
      EnvironmentState state,
      Observation obs,
      ReconcileRequest request,
      String revision)
      throws DeploymentRunner.BusyException {
    Optional<Path> built = new Releases(spec.spec().target().root()).forCommit(target);
    PreparedDeployment prepared;
    if (built.isPresent() && !request.options().force()) {
      // The release is on disk: switch and reload it, never rebuild.
      DeploymentType type =
          target.equals(state.pinnedCommit) ? DeploymentType.ROLLBACK : DeploymentType.UPDATE;
      prepared =
          runner.prepareActivation(
              spec, target, built.get(), type, request.trigger(), revision, null);
    } else {
      prepared = runner.prepareUpdate(spec, target, request.options(), request.trigger(), revision);
    }
    DeploymentOutcome outcome = runner.execute(prepared);
    forgetProcesses();
    return outcome;
  }

  /** Turns a pipeline outcome into requeue, retry or stall, and alerts. */
  private ReconcileResult classify(
      String env, DeploySpec spec, String target, DeploymentOutcome o) {
    Duration interval = spec.spec().reconcile().interval();
    EnvironmentState after = load(env);
    metrics.status(env, after.sync, after.health);
    switch (o.result()) {
      case SUCCEEDED, FORCED -> {
        return ReconcileResult.requeue(interval, Reasons.RECONCILIATION_SUCCEEDED, o.message());
      }
      case ROLLED_BACK -> {
        notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, target, o.message());
        notifier.notify(
            Notifier.Event.ROLLBACK_DONE,
            env,
            target,
            "rolled back to " + Observation.short12(after.actualCommit));
        return ReconcileResult.stalled(interval, Reasons.ROLLED_BACK, o.message());
      }
      case ROLLBACK_FAILED -> {
        notifier.notify(Notifier.Event.ROLLBACK_FAILED, env, target, o.message());
        environments.update(env, e -> e.failedCommit = target);
        return ReconcileResult.stalled(interval, Reasons.ROLLBACK_FAILED, o.message());
      }
      case FAILED -> {
        notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, target, o.message());
        return ReconcileResult.stalled(interval, Reasons.DEPLOYMENT_FAILED, o.message());
      }
      default -> {
        // HALTED in pre-deploy or build: the old release still serves.
        if (o.errorCode() != null && TERMINAL_CODES.contains(o.errorCode())) {
          String reason =
              "COMMIT_NOT_FOUND".equals(o.errorCode())
                  ? Reasons.COMMIT_NOT_FOUND
                  : Reasons.DEPLOYMENT_FAILED;
          environments.update(
              env,
              e -> {
                e.failedCommit = target;
                e.sync = SyncStatus.OUT_OF_SYNC;
                e.setCondition(
                    Condition.STALLED,
                    true,
                    reason,
                    "commit "
                        + Observation.short12(target)
                        + " failed: "
                        + o.message()
                        + "; not retried until the spec names another commit or a person syncs");
              });
          notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, target, o.message());
          return ReconcileResult.stalled(interval, reason, o.message());
        }
        String reason =
            "SOURCE_UNAVAILABLE".equals(o.errorCode())
                ? Reasons.SOURCE_UNAVAILABLE
                : Reasons.DEPLOYMENT_FAILED;
        environments.update(
            env,
            e -> {
              e.sync = SyncStatus.OUT_OF_SYNC;
              e.setCondition(Condition.READY, false, reason, o.message());
            });
        return retry(env, reason, o.message());
      }
    }
  }

  private void recordDrift(String env, Observation obs) {
    metrics.drift(env, obs.drift());
    environments.update(
        env,
        e -> {
          e.actualCommit = obs.runningCommit().orElse(null);
          e.sync = SyncStatus.OUT_OF_SYNC;
          e.observedAt = Instant.now();
          switch (obs.drift()) {
            case NOT_DEPLOYED -> {
              e.health = AppHealth.MISSING;
              e.setCondition(Condition.READY, false, Reasons.NOT_DEPLOYED, obs.detail());
            }
            case PROCESS_MISSING, PROCESS_DOWN -> {
              e.health =
                  obs.drift() == Drift.PROCESS_MISSING ? AppHealth.MISSING : AppHealth.DEGRADED;
              e.setCondition(Condition.READY, false, Reasons.DRIFT_DETECTED, obs.detail());
            }
            default -> e.setCondition(Condition.READY, false, Reasons.DRIFT_DETECTED, obs.detail());
          }
          metrics.status(env, e.sync, e.health);
        });
  }

  /** A person acted: the failed commit may be tried again and a pin no longer holds. */
  private void liftStall(String env) {
    environments.update(
        env,
        e -> {
          e.failedCommit = null;
          e.pinnedCommit = null;
          e.pinnedDesiredCommit = null;
          e.setCondition(
              Condition.STALLED, false, Reasons.PROGRESSING, "a person asked for a sync");
        });
  }

  /** The work queue chooses the delay and writes the Reconciling condition with it. */
  private ReconcileResult retry(String env, String reason, String message) {
    return ReconcileResult.retry(reason, message);
  }

  /**
   * What PM2 runs. One {@code pm2 jlist} (a Node process: a few hundred ms of CPU) serves every
   * environment reconciled within one loop tick; {@code fresh} always asks PM2, and a finished
   * pipeline run drops the shared list. Concurrent callers wait for one listing.
   */
  private List<Pm2Process> processes(boolean fresh) {
    synchronized (processesLock) {
      long maxAge = config.reconcile().tick().toNanos();
      if (!fresh && processes != null && System.nanoTime() - processesAt < maxAge) {
        return processes;
      }
      List<Pm2Process> listed = toolbox.pm2().jlist();
      processes = listed;
      processesAt = System.nanoTime();
      return listed;
    }
  }

  private void forgetProcesses() {
    synchronized (processesLock) {
      processes = null;
    }
  }

  private EnvironmentState load(String env) {
    return environments
        .find(env)
        .orElseThrow(() -> new IllegalStateException("no environment row for " + env));
  }
}
