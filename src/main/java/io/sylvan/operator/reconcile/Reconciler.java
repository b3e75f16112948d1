package io.sylvan.operator.reconcile;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.fleet.NodeRegistry;
import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.observe.Notifier;
import io.sylvan.operator.observe.OperatorMetrics;
import io.sylvan.operator.pipeline.BuildAgreement;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.EnvSecrets;
import io.sylvan.operator.pipeline.HealthReport;
import io.sylvan.operator.pipeline.PreparedDeployment;
import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.pipeline.SourceCheck;
import io.sylvan.operator.pipeline.ToolboxProducer;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Brings one environment to its desired state, level-triggered and idempotent: guards, then
 * observe, decide, act, and every outcome classified as requeue, retry with backoff, or stalled.
 */
@ApplicationScoped
public class Reconciler {

  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  /** Used while no valid spec says otherwise. */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;
  @Inject DeploymentRunner runner;
  @Inject ToolboxProducer toolbox;
  @Inject OperatorMetrics metrics;
  @Inject Notifier notifier;
  @Inject StatusWriter status;
  @Inject Events events;
  @Inject NodeRegistry node;
  @Inject FleetRollouts fleet;

  @Inject OperatorConfig config;

  private final Object processesLock = new Object();

  /**
   * SHA-256 of the encrypted env file whose deployment last failed, per environment: that one is
   * not retried until the file changes. In memory: a restart tries it once more.
   */
  private final java.util.Map<String, String> failedEnvSource =
      new java.util.concurrent.ConcurrentHashMap<>();

  private List<Pm2Process> processes;
  private long processesAt;

  public ReconcileResult reconcile(String env, ReconcileRequest request) {
    long t0 = System.nanoTime();
    try {
      return reconcileOnce(env, request);
    } catch (DeploymentRunner.BusyException e) {
      return retry(env, Reasons.LOCK_BUSY, e.getMessage());
    } catch (SQLException e) {
      LOG.warnf("reconcile of %s: rollout store: %s", env, e.getMessage());
      return retry(env, Reasons.PROGRESSING, "rollout store: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.warnf("reconcile of %s failed: %s", env, e.toString());
      return retry(env, Reasons.PROGRESSING, "reconcile error: " + e.getMessage());
    } finally {
      metrics.reconcile(env, Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  private ReconcileResult reconcileOnce(String env, ReconcileRequest request)
      throws DeploymentRunner.BusyException, SQLException {
    if (!node.selfReady()) {
      // Our lease lapsed or another live process holds this node's name: start nothing and write
      // nothing (that process may be writing this node's status); what serves keeps serving.
      // NodeRegistry logs why, and renewing the lease lifts this.
      return ReconcileResult.requeue(
          config.node().leaseRenew(),
          Reasons.NODE_NOT_READY,
          "node " + node.name() + " is NotReady (no live lease of its own); no pipeline starts");
    }
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
      status.suspended(env);
      return ReconcileResult.requeue(interval, Reasons.SUSPENDED, "suspended");
    }
    if (request.personActed()) {
      status.personActed(env);
      state = load(env);
    }

    // Observe: a recent process list shared with the other environments when nothing drifted;
    // drift is confirmed on a fresh one before anything is decided.
    String target = state.pinnedCommit != null ? state.pinnedCommit : spec.spec().source().commit();
    Observation shared = Observation.of(spec, target, processes(false));
    Observation obs =
        shared.drift() == Drift.NONE ? shared : Observation.of(spec, target, processes(true));
    if (state.pinnedCommit == null) {
      // A person's rollback keeps the env file of the release it went back to.
      obs = EnvDrift.check(spec, obs, toolbox.get().secrets());
    }

    // Decide.
    if (obs.drift() == Drift.NONE) {
      metrics.inSync(env);
      return inSync(spec, state, obs, target, snapshot.get().revision());
    }
    metrics.drift(env, obs.drift().label());
    status.drift(env, obs, target);
    events.publish(
        new EventData.DriftDetected(
            env, obs.drift().label(), obs.detail(), java.time.Instant.now()));
    // An env change that failed is not retried either, but a newer encrypted file is new state.
    boolean envFailedBefore =
        obs.drift() != Drift.ENV
            || toolbox
                .get()
                .secrets()
                .sourceHash(spec)
                .equals(Optional.ofNullable(failedEnvSource.get(env)));
    if (target.equals(state.failedCommit) && envFailedBefore) {
      String reason = status.stalledOnFailedCommit(env, state, obs.detail());
      return ReconcileResult.stalled(
          interval,
          reason,
          "commit " + Commits.short12(state.failedCommit, "none") + " failed before");
    }
    boolean placed = FleetRollouts.placed(spec);
    if (!placed || !status.stallDescribes(state, target)) {
      // A placed node stalled by a stopped rollout of this very commit stays stalled: clearing it
      // here would flicker until the rollout says STOPPED again below.
      status.unstall(env, state, target);
    }
    if (spec.spec().reconcile().mode() == DeploySpec.Reconcile.Mode.WARN) {
      status.driftReported(env, obs.detail());
      return ReconcileResult.requeue(interval, Reasons.DRIFT_REPORTED, obs.detail());
    }

    // Act.
    LOG.infof("[%s] drift: %s (%s); correcting", env, obs.drift().label(), obs.detail());
    if (placed) {
      // The rollout admits the node before its source is checked (FleetRollouts.drifted).
      return correct(spec, target, state, obs, request, snapshot.get().revision());
    }
    Optional<ReconcileResult> unavailable = checkSource(spec, target);
    if (unavailable.isPresent()) {
      return unavailable.get();
    }
    return correct(spec, target, state, obs, request, snapshot.get().revision());
  }

  /** Runs the pipeline to {@code target}; a placed environment only when its rollout admits it. */
  private ReconcileResult correct(
      DeploySpec spec,
      String target,
      EnvironmentState state,
      Observation obs,
      ReconcileRequest request,
      String revision)
      throws DeploymentRunner.BusyException, SQLException {
    String env = spec.environment();
    if (FleetRollouts.placed(spec)) {
      return fleet.drifted(
          spec,
          target,
          obs,
          revision,
          () -> checkSource(spec, target),
          agreement -> act(spec, target, state, obs, request, revision, agreement),
          o -> classify(env, spec, target, o));
    }
    DeploymentOutcome outcome =
        act(spec, target, state, obs, request, revision, BuildAgreement.NONE);
    return classify(env, spec, target, outcome);
  }

  /** No drift: confirm health once; an unhealthy release that was never good is rolled back. */
  private ReconcileResult inSync(
      DeploySpec spec, EnvironmentState state, Observation obs, String target, String revision)
      throws DeploymentRunner.BusyException, SQLException {
    String env = spec.environment();
    Duration interval = spec.spec().reconcile().interval();
    boolean placed = FleetRollouts.placed(spec);
    if (placed) {
      Optional<ReconcileResult> reverted =
          fleet.revertIfNeeded(spec, obs.runningCommit(), revision);
      if (reverted.isPresent()) {
        forgetProcesses();
        return reverted.get();
      }
    }
    HealthReport health = toolbox.get().healthChecker().checkOnce(spec, target, obs.processes());
    Optional<Duration> settling =
        placed ? fleet.settle(spec, target, health.healthy(), health.message()) : Optional.empty();
    if (!health.healthy()) {
      Optional<ReconcileResult> rolledBack = rollBackUnhealthy(spec, state, obs, target, revision);
      if (rolledBack.isPresent()) {
        return rolledBack.get();
      }
    }
    status.inSync(env, target, state.pinnedCommit != null, health, obs.detail());
    if (!health.healthy()) {
      notifier.notify(Notifier.Event.HEALTH_DEGRADED, env, target, health.message());
    }
    // A rollout's minHealthyTime may end before the interval: look again then.
    Duration next = settling.filter(d -> d.compareTo(interval) < 0).orElse(interval);
    return ReconcileResult.requeue(next, Reasons.RECONCILIATION_SUCCEEDED, obs.detail());
  }

  /**
   * The serving release {@code target} is unhealthy: when it was never good and the last good
   * release is on disk, that one serves again (automatic rollback) and {@code target} is the failed
   * commit. Empty when there is nothing to roll back to.
   */
  private Optional<ReconcileResult> rollBackUnhealthy(
      DeploySpec spec, EnvironmentState state, Observation obs, String target, String revision)
      throws DeploymentRunner.BusyException {
    String good = state.lastGoodCommit;
    if (target.equals(good) || good == null || !spec.spec().rollback().automatic()) {
      return Optional.empty();
    }
    Optional<Path> release = new Releases(spec.spec().target().root()).forCommit(good);
    if (release.isEmpty()) {
      return Optional.empty();
    }
    String env = spec.environment();
    LOG.warnf("[%s] serving %s is unhealthy and was never good: rolling back", env, obs.detail());
    status.rollingBackUnhealthy(env, target);
    obs.currentRelease().ifPresent(Releases::markFastDrain);
    PreparedDeployment p =
        runner.prepareActivation(
            spec,
            good,
            release.get(),
            DeploymentType.ROLLBACK,
            Trigger.AUTO_ROLLBACK,
            revision,
            null);
    DeploymentOutcome o = runner.execute(p);
    forgetProcesses();
    // The failed commit is the unhealthy one, not the one rolled back to.
    return Optional.of(classify(env, spec, target, o));
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
      status.sourceUnavailable(env, message);
      return Optional.of(retry(env, Reasons.SOURCE_UNAVAILABLE, message));
    }
    if (source.status() == SourceCheck.Status.COMMIT_NOT_FOUND) {
      String message = source.message();
      status.commitNotFound(env, target, message);
      notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, target, message);
      return Optional.of(
          ReconcileResult.stalled(
              spec.spec().reconcile().interval(), Reasons.COMMIT_NOT_FOUND, message));
    }
    return Optional.empty();
  }

  private DeploymentOutcome act(
      DeploySpec spec,
      String target,
      EnvironmentState state,
      Observation obs,
      ReconcileRequest request,
      String revision,
      BuildAgreement agreement)
      throws DeploymentRunner.BusyException {
    Optional<Path> built = new Releases(spec.spec().target().root()).forCommit(target);
    PreparedDeployment prepared;
    if (obs.drift() == Drift.ENV
        && built.isPresent()
        && !request.options().force()
        && !EnvDrift.changesBuild(spec, built.get(), toolbox.get().secrets())) {
      // Only the env file changed, and no value a build bakes in: copy the release, reload.
      prepared = runner.prepareEnvChange(spec, target, request.trigger(), revision);
    } else if (built.isPresent()
        && !request.options().force()
        && obs.drift() != Drift.ENV
        && envMatches(spec, built.get(), target, state)) {
      // The release is on disk: switch and reload it, never rebuild.
      DeploymentType type =
          target.equals(state.pinnedCommit) ? DeploymentType.ROLLBACK : DeploymentType.UPDATE;
      prepared =
          runner.prepareActivation(
              spec, target, built.get(), type, request.trigger(), revision, null);
    } else {
      prepared =
          runner.prepareUpdate(
              spec, target, request.options(), request.trigger(), revision, agreement);
    }
    DeploymentOutcome outcome = runner.execute(prepared);
    forgetProcesses();
    if (spec.spec().env().encrypted()) {
      if (outcome.result() == DeploymentOutcome.Result.SUCCEEDED) {
        failedEnvSource.remove(spec.environment());
      } else {
        toolbox
            .get()
            .secrets()
            .sourceHash(spec)
            .ifPresent(h -> failedEnvSource.put(spec.environment(), h));
      }
    }
    return outcome;
  }

  /**
   * Whether activating {@code release} serves the env file the spec asks for: always for a
   * hand-managed one and for a pinned rollback (which goes back to its release's env file on
   * purpose); else its encrypted source must be the spec's, or the commit is built anew.
   */
  private boolean envMatches(DeploySpec spec, Path release, String target, EnvironmentState state) {
    if (!spec.spec().env().encrypted() || target.equals(state.pinnedCommit)) {
      return true;
    }
    Optional<String> desired = toolbox.get().secrets().sourceHash(spec);
    return desired.isEmpty() || desired.equals(EnvSecrets.sourceHashOf(release));
  }

  /**
   * Turns a pipeline outcome (its status already written by {@link StatusWriter}) into requeue,
   * retry or stall, and alerts. {@code failed} is the commit a failure is about.
   */
  private ReconcileResult classify(
      String env, DeploySpec spec, String failed, DeploymentOutcome o) {
    Duration interval = spec.spec().reconcile().interval();
    Verdict verdict = Verdict.of(o);
    switch (o.result()) {
      case ROLLED_BACK -> {
        notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, failed, o.message());
        notifier.notify(
            Notifier.Event.ROLLBACK_DONE,
            env,
            failed,
            "rolled back to " + Commits.short12(o.rollback().commit(), "none"));
      }
      case ROLLBACK_FAILED -> {
        if (!o.interrupted()) {
          notifier.notify(Notifier.Event.ROLLBACK_FAILED, env, failed, o.message());
        }
      }
      case FAILED -> notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, failed, o.message());
      case HALTED -> {
        if (verdict.kind() == ReconcileResult.Kind.STALLED) {
          notifier.notify(Notifier.Event.DEPLOYMENT_FAILED, env, failed, o.message());
        }
      }
      case SUCCEEDED, FORCED -> {}
    }
    return switch (verdict.kind()) {
      case REQUEUE -> ReconcileResult.requeue(interval, verdict.reason(), o.message());
      case STALLED -> ReconcileResult.stalled(interval, verdict.reason(), o.message());
      case RETRY -> retry(env, verdict.reason(), o.message());
    };
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
