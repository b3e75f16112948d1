package io.sylvan.operator.reconcile;

import io.quarkus.scheduler.Scheduled;
import io.sylvan.operator.fleet.NodeInfo;
import io.sylvan.operator.fleet.NodeRegistry;
import io.sylvan.operator.fleet.RolloutNodeState;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStep;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.pipeline.BuildAgreement;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.PreparedDeployment;
import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.pipeline.StaticFiles;
import io.sylvan.operator.pipeline.StepFailure;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.DatabaseMigration;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The fleet phase of a reconcile, for environments whose spec has a placement: a drifted node asks
 * the {@link RolloutStore} whether it may update now (and waits, stalls or goes back when not), its
 * build must agree with the other nodes' before the switch, and a node in sync reports healthy and
 * stable so the next wave opens. An environment without placement never gets here.
 */
@ApplicationScoped
public class FleetRollouts {

  private static final Logger LOG = Logger.getLogger(FleetRollouts.class);

  /** How soon a waiting node asks again; a fleet notify wakes it sooner. */
  static final Duration SOON = Duration.ofSeconds(1);

  /**
   * How early a healthy node looks again before its minHealthyTime ends: its reconcile (observe,
   * health check) runs in that second and it waits out the rest in place, so the next wave opens
   * when the time is up rather than one reconcile after it.
   */
  static final Duration EARLY = Duration.ofSeconds(1);

  @Inject RolloutStore store;
  @Inject NodeRegistry node;
  @Inject StatusWriter status;
  @Inject DeploymentRunner runner;
  @Inject DatabaseMigration migration;
  @Inject SpecPoller specs;

  /**
   * Per environment, the newest rollout of another commit than this node's target, and the spec
   * read count when this agent first saw it ({@link SpecPoller#readsStarted()}).
   */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  private record Seen(long rolloutId, long readsStarted) {}

  /** Runs this node's pipeline to the desired commit, with the build check before the switch. */
  @FunctionalInterface
  interface Update {
    DeploymentOutcome run(BuildAgreement agreement) throws DeploymentRunner.BusyException;
  }

  /** Checks the app repository before a build: empty when it may go on, else the result. */
  @FunctionalInterface
  interface SourceGate {
    Optional<ReconcileResult> check();
  }

  /** Whether the environment rolls out over placed nodes (else: today's single-node path). */
  static boolean placed(DeploySpec spec) {
    return !spec.spec().placement().isNone();
  }

  /**
   * The node does not serve {@code target}: ensure the rollout, ask to be admitted, and update only
   * when admitted; the outcome is reported to the rollout and classified by {@code classify}.
   */
  ReconcileResult drifted(
      DeploySpec spec,
      String target,
      Observation obs,
      String revision,
      SourceGate source,
      Update update,
      Function<DeploymentOutcome, ReconcileResult> classify)
      throws DeploymentRunner.BusyException, SQLException {
    String env = spec.environment();
    String me = node.name();
    String serving = obs.runningCommit().orElse(null);
    Optional<RolloutState> latest = store.latest(env);
    long latestSeen = latest.map(RolloutState::id).orElse(0L);
    if (latest.isPresent() && !latest.get().commit().equals(target)) {
      Optional<ReconcileResult> stale = specMayBeOlder(spec, latest.get());
      if (stale.isPresent()) {
        return stale.get();
      }
    }
    RolloutState r =
        store.ensure(env, target, serving, placedNodes(spec), policy(spec), latestSeen);
    if (!r.commit().equals(target)) {
      // Another agent started a rollout since we looked: look again (our spec may be the older).
      String message =
          rolloutName(r) + " of " + Commits.short12(r.commit(), "none") + " started meanwhile";
      status.rolloutWaiting(env, Reasons.ROLLOUT_WAITING, message);
      return ReconcileResult.requeue(SOON, Reasons.ROLLOUT_WAITING, message);
    }
    RolloutStep step = store.admit(r.id(), me, serving);
    switch (step.decision()) {
      case WAIT -> {
        boolean paused = r.phase() == RolloutPhase.PAUSED || step.reason().contains("paused");
        String reason = paused ? Reasons.ROLLOUT_PAUSED : Reasons.ROLLOUT_WAITING;
        String message = rolloutName(r) + ": " + step.reason();
        status.rolloutWaiting(env, reason, message);
        return ReconcileResult.requeue(soon(step.retryAfter()), reason, message);
      }
      case STOPPED -> {
        return stalled(spec, store.get(r.id()).orElse(r), step);
      }
      case REVERT -> {
        return revert(spec, store.get(r.id()).orElse(r), serving, obs.runningCommit(), revision)
            .orElseGet(() -> stalled(spec, r, step));
      }
      case DONE -> {
        // Done in this rollout (left on the commit), but drifted: correct as a single node would.
        Optional<ReconcileResult> blocked = source.check();
        return blocked.isPresent()
            ? blocked.get()
            : classify.apply(update.run(BuildAgreement.NONE));
      }
      case PROCEED -> {
        LOG.infof("[%s] %s admitted node %s: %s", env, rolloutName(r), me, step.reason());
        // The source is checked only once admitted: a node waiting for its wave asks nothing of
        // the app repository (a waiting node reconciles about once a second).
        Optional<ReconcileResult> blocked = source.check();
        if (blocked.isPresent()) {
          if (blocked.get().kind() == ReconcileResult.Kind.STALLED) {
            // The commit is not in the repository: this node cannot update, which fails it.
            store.failed(r.id(), me, "source", blocked.get().message());
          }
          return blocked.get();
        }
        return proceed(spec, r, update, classify);
      }
    }
    throw new IllegalStateException("unknown rollout decision " + step.decision());
  }

  /**
   * The environment's latest rollout is of another commit than this node's target: another agent
   * started it from its own spec view, which may be newer than ours (a notify wakes us before our
   * next poll). Replacing it with our target is right only when our spec was read after we first
   * saw that rollout, so the specs are read once more first. Empty when our spec is that recent and
   * still names the commit we were asked to reconcile to; else wait (the spec changed: the next
   * reconcile takes the new target; or it cannot be read).
   */
  private Optional<ReconcileResult> specMayBeOlder(DeploySpec spec, RolloutState latest) {
    String env = spec.environment();
    Seen s =
        seen.compute(
            env,
            (k, v) ->
                v != null && v.rolloutId() == latest.id()
                    ? v
                    : new Seen(latest.id(), specs.readsStarted()));
    if (specs.lastGoodRead() > s.readsStarted()) {
      return Optional.empty();
    }
    String wanted = spec.spec().source().commit();
    Optional<DeploySpec> fresh =
        specs.refresh().flatMap(read -> Optional.ofNullable(read.snapshot().valid().get(env)));
    if (fresh.isPresent() && wanted.equals(fresh.get().spec().source().commit())) {
      return Optional.empty();
    }
    String message =
        rolloutName(latest)
            + " of "
            + Commits.short12(latest.commit(), "none")
            + " started from a newer spec than this node read: "
            + (fresh.isPresent()
                ? "the spec now names " + Commits.short12(fresh.get().spec().source().commit(), "")
                : "reading the specs again");
    LOG.infof("[%s] %s", env, message);
    status.rolloutWaiting(env, Reasons.ROLLOUT_WAITING, message);
    return Optional.of(ReconcileResult.requeue(SOON, Reasons.ROLLOUT_WAITING, message));
  }

  private ReconcileResult proceed(
      DeploySpec spec,
      RolloutState r,
      Update update,
      Function<DeploymentOutcome, ReconcileResult> classify)
      throws DeploymentRunner.BusyException, SQLException {
    String me = node.name();
    BuildAgreement agreement = agreement(r.id());
    Optional<Path> built = new Releases(spec.spec().target().root()).forCommit(r.commit());
    if (built.isPresent()) {
      // Activating a release built earlier: no build step runs, so its build is checked here.
      try {
        agreement.check(StaticFiles.buildId(built.get()), StaticFiles.digest(built.get()));
      } catch (StepFailure | IOException e) {
        return stalled(spec, store.get(r.id()).orElse(r), null);
      }
    }
    DeploymentOutcome o = update.run(agreement);
    ReconcileResult result = classify.apply(o);
    if (o.result() == DeploymentOutcome.Result.SUCCEEDED && o.healthChecked()) {
      RolloutStep healthy = store.healthy(r.id(), me);
      if (healthy.decision() == RolloutStep.Decision.PROCEED
          || healthy.decision() == RolloutStep.Decision.REVERT) {
        return sooner(result, early(healthy.retryAfter()));
      }
      return result;
    }
    // Any failure (the node's own rollback already put it back), or no health check to vouch.
    DeploymentOutcome.Failure f = o.failure();
    String step = f == null || f.step() == null ? "deploy" : f.step();
    String reason =
        f != null
            ? f.message()
            : o.result() == DeploymentOutcome.Result.SUCCEEDED
                ? "deployed with the health check skipped: not known to be healthy"
                : o.message();
    RolloutState after = store.failed(r.id(), me, step, reason);
    if (stopped(after.phase())) {
      // This node's failure stopped the rollout: its status names the node, step and reason as the
      // other nodes' do, keeping its own pipeline's reason (RolledBack, BuildMismatch) when
      // stalled.
      String why =
          result.kind() == ReconcileResult.Kind.STALLED ? result.reason() : Reasons.ROLLOUT_FAILED;
      return stalled(spec, after, null, why);
    }
    return result;
  }

  /**
   * The node serves {@code serving} and the rollout of it is reverting: it goes back to the release
   * it served before (activated, never rebuilt). Empty when nothing is to be done.
   */
  Optional<ReconcileResult> revertIfNeeded(
      DeploySpec spec, Optional<String> serving, String revision)
      throws DeploymentRunner.BusyException, SQLException {
    if (serving.isEmpty()) {
      return Optional.empty();
    }
    Optional<RolloutState> active = store.active(spec.environment());
    if (active.isEmpty()
        || active.get().phase() != RolloutPhase.REVERTING
        || !active.get().commit().equals(serving.get())) {
      return Optional.empty();
    }
    return revert(spec, active.get(), serving.get(), serving, revision);
  }

  private Optional<ReconcileResult> revert(
      DeploySpec spec, RolloutState r, String serving, Optional<String> running, String revision)
      throws DeploymentRunner.BusyException, SQLException {
    String env = spec.environment();
    String me = node.name();
    if (!store.revertNeeded(r.id(), me)) {
      return Optional.empty();
    }
    String previous =
        r.node(me).map(RolloutState.NodeProgress::previousCommit).orElse(r.previousCommit());
    if (previous != null && running.isPresent() && previous.equals(running.get())) {
      store.reverted(r.id(), me);
      return Optional.of(ReconcileResult.requeue(SOON, Reasons.ROLLOUT_ABORTED, "reverted"));
    }
    Optional<Path> release =
        previous == null
            ? Optional.empty()
            : new Releases(spec.spec().target().root()).forCommit(previous);
    if (release.isEmpty()) {
      String why =
          "cannot revert to "
              + Commits.short12(previous, "none")
              + ": no release of it on this node";
      store.failed(r.id(), me, "revert", why);
      status.rolloutStopped(env, Reasons.ROLLOUT_FAILED, rolloutName(r) + ": " + why);
      return Optional.of(
          ReconcileResult.stalled(spec.spec().reconcile().interval(), Reasons.ROLLOUT_FAILED, why));
    }
    LOG.warnf(
        "[%s] %s is reverting: node %s goes back from %s to %s",
        env,
        rolloutName(r),
        me,
        Commits.short12(serving, "none"),
        Commits.short12(previous, "none"));
    PreparedDeployment p =
        runner.prepareActivation(
            spec,
            previous,
            release.get(),
            DeploymentType.ROLLBACK,
            Trigger.AUTO_ROLLBACK,
            revision,
            null);
    DeploymentOutcome o = runner.execute(p);
    if (o.result() == DeploymentOutcome.Result.SUCCEEDED) {
      store.reverted(r.id(), me);
      // The next reconcile finds the reverted rollout and stalls with its reason.
      return Optional.of(
          ReconcileResult.requeue(
              SOON, Reasons.ROLLOUT_ABORTED, "reverted to " + Commits.short12(previous, "none")));
    }
    store.failed(r.id(), me, "revert", o.message());
    return Optional.of(
        ReconcileResult.stalled(
            spec.spec().reconcile().interval(), Reasons.ROLLBACK_FAILED, o.message()));
  }

  /**
   * The node serves {@code target}: report it healthy (when the pipeline could not), then stable
   * once minHealthyTime has passed. Returns how soon to look again while that time runs.
   */
  Optional<Duration> settle(DeploySpec spec, String target, boolean healthy, String problem)
      throws SQLException {
    Optional<RolloutState> active = store.active(spec.environment());
    if (active.isEmpty() || !active.get().commit().equals(target)) {
      return Optional.empty();
    }
    RolloutState r = active.get();
    String me = node.name();
    Optional<RolloutNodeState> state = r.node(me).map(RolloutState.NodeProgress::state);
    if (state.isEmpty() || r.phase() == RolloutPhase.REVERTING) {
      return Optional.empty();
    }
    if (!healthy) {
      if (state.get() == RolloutNodeState.UPDATING || state.get() == RolloutNodeState.HEALTHY) {
        store.failed(r.id(), me, "health", problem);
      }
      return Optional.empty();
    }
    RolloutStep step =
        switch (state.get()) {
          case PENDING -> {
            // Served the commit before the rollout reached it: join without updating.
            RolloutStep admitted = store.admit(r.id(), me, target);
            yield admitted.decision() == RolloutStep.Decision.PROCEED
                ? store.healthy(r.id(), me)
                : admitted;
          }
          case UPDATING -> store.healthy(r.id(), me);
          case HEALTHY -> stableOnTime(r.id(), me);
          default -> null;
        };
    if (step == null || step.decision() == RolloutStep.Decision.DONE) {
      return Optional.empty();
    }
    // PROCEED: healthy, minHealthyTime runs; a WAIT with time left: it still runs. Other waits
    // (an earlier wave) are woken by a notify.
    boolean timed =
        step.decision() == RolloutStep.Decision.PROCEED
            || (step.decision() == RolloutStep.Decision.WAIT
                && step.retryAfter().compareTo(Duration.ZERO) > 0);
    return Optional.of(timed ? early(step.retryAfter()) : soon(step.retryAfter()));
  }

  /** healthy -> stable; when at most {@link #EARLY} is left, waits it out here and asks again. */
  private RolloutStep stableOnTime(long rolloutId, String me) throws SQLException {
    RolloutStep step = store.stable(rolloutId, me);
    Duration left = step.retryAfter();
    if (step.decision() != RolloutStep.Decision.WAIT || left.compareTo(EARLY) > 0) {
      return step;
    }
    try {
      Thread.sleep(left.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return step;
    }
    return store.stable(rolloutId, me);
  }

  /** Look again {@link #EARLY} before {@code left} runs out (not sooner than 100 ms). */
  static Duration early(Duration left) {
    Duration d = left.minus(EARLY);
    return d.compareTo(Duration.ofMillis(100)) > 0 ? d : Duration.ofMillis(100);
  }

  /** Any agent may fail nodes whose lease expired mid-update; cheap, every few seconds. */
  @Scheduled(
      identity = "sylvan-rollout-leases",
      every = "${sylvan.node.lease-renew:10s}",
      delayed = "5s",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void expireLeases() {
    if (!migration.migrated() || !node.selfReady()) {
      return;
    }
    try {
      int failed = store.expireLeases();
      if (failed > 0) {
        LOG.warnf("failed %d rollout node(s) whose lease expired mid-update", failed);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debugf("expiring rollout leases: %s", e.getMessage());
    }
  }

  /** STOPPED for this commit: Stalled, naming the failed node, step and reason. */
  private ReconcileResult stalled(DeploySpec spec, RolloutState r, RolloutStep step) {
    return stalled(spec, r, step, null);
  }

  /** As above, with {@code reasonOverride} as the condition's reason when not null. */
  private ReconcileResult stalled(
      DeploySpec spec, RolloutState r, RolloutStep step, String reasonOverride) {
    String me = node.name();
    Optional<RolloutState.NodeProgress> mine = r.node(me);
    String reason;
    String why;
    if (r.failedNode() != null
        || mine.map(n -> n.state() == RolloutNodeState.FAILED).orElse(false)) {
      reason = Reasons.ROLLOUT_FAILED;
      String failedNode = r.failedNode() != null ? r.failedNode() : me;
      String detail =
          r.failedNode() != null
              ? r.failedStep() + ": " + r.failedReason()
              : mine.map(RolloutState.NodeProgress::error).orElse("failed");
      why = "node " + failedNode + " failed at " + detail;
    } else {
      reason = Reasons.ROLLOUT_ABORTED;
      why = r.failedReason() != null ? r.failedReason() : step != null ? step.reason() : "stopped";
    }
    String message =
        rolloutName(r)
            + " of "
            + Commits.short12(r.commit(), "none")
            + " is "
            + r.phase().wire()
            + ": "
            + why
            + "; "
            + StatusWriter.NOT_RETRIED;
    if (reasonOverride != null) {
      reason = reasonOverride;
    }
    status.rolloutStopped(spec.environment(), reason, message);
    return ReconcileResult.stalled(spec.spec().reconcile().interval(), reason, message);
  }

  /** Records this node's build in the rollout and fails the run before its switch on mismatch. */
  private BuildAgreement agreement(long rolloutId) {
    String me = node.name();
    return (buildId, digest) -> {
      RolloutStep step;
      try {
        step = store.checkBuild(rolloutId, me, buildId, digest);
      } catch (SQLException e) {
        // Transient (the database): halted and retried, never a mismatch.
        throw new StepFailure(
            FailureCode.INTERNAL, "cannot check the build with the rollout: " + e.getMessage());
      }
      if (step.decision() == RolloutStep.Decision.STOPPED) {
        FailureCode code =
            step.reason().startsWith(Reasons.BUILD_MISMATCH)
                ? FailureCode.BUILD_MISMATCH
                : FailureCode.ROLLOUT_STOPPED;
        throw new StepFailure(code, step.reason());
      }
    };
  }

  /** The nodes the spec is placed on: named, or the Ready nodes whose labels match. */
  List<String> placedNodes(DeploySpec spec) throws SQLException {
    DeploySpec.Placement placement = spec.spec().placement();
    if (!placement.nodes().isEmpty()) {
      return placement.nodes().stream().map(DeploySpec.Placement.NodeTarget::name).toList();
    }
    Map<String, String> selector = placement.nodeSelector();
    return node.list().stream()
        .filter(NodeInfo::ready)
        .filter(
            n ->
                selector.entrySet().stream()
                    .allMatch(l -> l.getValue().equals(n.labels().get(l.getKey()))))
        .map(NodeInfo::name)
        .sorted()
        .toList();
  }

  static RolloutPolicy policy(DeploySpec spec) {
    DeploySpec.Rollout r = spec.spec().rollout();
    if (r == null) {
      return RolloutPolicy.DEFAULT;
    }
    return new RolloutPolicy(
        amount(r.canary()),
        amount(r.maxParallel()),
        r.minHealthyTime(),
        r.progressDeadline(),
        r.maxFailures(),
        r.autoRevert());
  }

  private static RolloutPolicy.Amount amount(DeploySpec.Rollout.Amount a) {
    return new RolloutPolicy.Amount(a.value(), a.percent());
  }

  /** Stopped by a failure or an abort: no further node starts. */
  private static boolean stopped(RolloutPhase phase) {
    return phase == RolloutPhase.ABORTED
        || phase == RolloutPhase.REVERTING
        || phase == RolloutPhase.REVERTED;
  }

  private static String rolloutName(RolloutState r) {
    return "rollout #" + r.id();
  }

  private static Duration soon(Duration retryAfter) {
    return retryAfter.compareTo(SOON) > 0 ? retryAfter : SOON;
  }

  private static ReconcileResult sooner(ReconcileResult r, Duration after) {
    if (r.kind() != ReconcileResult.Kind.REQUEUE || r.requeueAfter().compareTo(after) <= 0) {
      return r;
    }
    return new ReconcileResult(r.kind(), after, r.reason(), r.message());
  }
}
