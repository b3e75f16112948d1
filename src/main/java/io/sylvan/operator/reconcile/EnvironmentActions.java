package io.sylvan.operator.reconcile;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecLookup;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a person can ask of an environment: sync now, roll back (and stay there while automation
 * keeps running), suspend and resume. Each change is recorded, then the loop reconciles.
 */
@ApplicationScoped
public class EnvironmentActions {

  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;
  @Inject ReconcileLoop loop;
  @Inject StatusWriter status;
  @Inject io.sylvan.operator.fleet.FleetEvents events;

  private static final org.jboss.logging.Logger LOG =
      org.jboss.logging.Logger.getLogger(EnvironmentActions.class);

  /** The action cannot be done; {@code conflict} distinguishes 409 from 404. */
  public static class ActionException extends Exception {
    private final boolean conflict;

    public ActionException(String message, boolean conflict) {
      super(message);
      this.conflict = conflict;
    }

    public boolean conflict() {
      return conflict;
    }
  }

  /**
   * Reconciles now with the seed's options (queued behind a reconcile already running); lifts a
   * stall on a failed commit and any pin.
   */
  public void sync(String env, DeployOptions options) throws ActionException {
    spec(env);
    loop.submit(env, ReconcileRequest.manualSync(options));
  }

  /**
   * Rolls back to {@code to}, or to the newest earlier good release still on disk, and pins the
   * environment there until the spec names another commit. Returns the commit. Rolling back to the
   * commit that already serves is refused (a conflict) and changes nothing. {@code reason} (may be
   * null) is recorded on the rollback's deployment.
   */
  public String rollback(String env, String to, String reason) throws ActionException {
    DeploySpec spec = spec(env);
    Releases releases = new Releases(spec.spec().target().root());
    EnvironmentState state = state(env);
    reason = reason(reason);
    String target = to != null ? resolve(releases, to) : previousGood(releases, state);
    if (!FleetRollouts.placed(spec)
        && releases.current().flatMap(Releases::revision).filter(target::equals).isPresent()
        && !deploying(env, state.node)) {
      // Pinning the serving commit would change nothing but show the environment OutOfSync.
      throw new ActionException(
          env
              + " already serves "
              + Commits.short12(target)
              + "; nothing to roll back, nothing changed",
          true);
    }
    if (FleetRollouts.placed(spec)) {
      rollBackFleet(env, target, spec.spec().source().commit(), reason);
    } else {
      status.manualRollbackRequested(env, target, spec.spec().source().commit(), reason);
    }
    loop.submit(env, ReconcileRequest.of(Trigger.MANUAL));
    return target;
  }

  /**
   * A placed environment goes back as a whole: every node's row is pinned to {@code target}, and
   * each agent, seeing the pin, rolls out to it through one rollout's waves (canary first), as it
   * would to a new commit; the other agents are woken at once.
   */
  private void rollBackFleet(String env, String target, String desired, String reason)
      throws ActionException {
    List<EnvironmentState> rows = environments.findAllNodes(env);
    if (!rows.isEmpty()
        && rows.stream().allMatch(r -> target.equals(r.actualCommit))
        && rows.stream().noneMatch(r -> deploying(env, r.node))) {
      throw new ActionException(
          "every node of "
              + env
              + " already serves "
              + Commits.short12(target)
              + "; nothing to roll back, nothing changed",
          true);
    }
    List<String> pinned = status.fleetRollbackRequested(env, target, desired, reason);
    LOG.infof(
        "[%s] fleet rollback to %s requested: nodes %s pinned",
        env, Commits.short12(target), pinned);
    try {
      events.publish(env);
    } catch (java.sql.SQLException e) {
      // The agents' own polling picks the pin up; the notify only makes it immediate.
      LOG.warnf("[%s] could not notify the other nodes: %s", env, e.getMessage());
    }
  }

  public void suspend(String env) throws ActionException {
    state(env);
    status.suspendedByPerson(env);
  }

  public void resume(String env) throws ActionException {
    DeploySpec spec = spec(env);
    environments.update(
        env,
        e -> {
          e.suspendedManually = false;
          e.suspended = spec.spec().reconcile().suspend();
        });
    loop.submit(env, ReconcileRequest.of(Trigger.MANUAL));
  }

  /** The longest rollback reason kept; a longer one is cut. */
  public static final int MAX_REASON_LENGTH = 500;

  /**
   * A reason as stored: one line, at most {@link #MAX_REASON_LENGTH} characters, credentials in
   * URLs masked (a pasted link must not publish them in history); blank is none.
   */
  static String reason(String given) {
    if (given == null || given.isBlank()) {
      return null;
    }
    String line = given.strip().replaceAll("\\p{Cntrl}+", " ");
    String cut = line.length() > MAX_REASON_LENGTH ? line.substring(0, MAX_REASON_LENGTH) : line;
    return Redactor.patterns(cut);
  }

  private DeploySpec spec(String env) throws ActionException {
    SpecLookup lookup = SpecLookup.of(specs.current(), env);
    if (!lookup.found()) {
      // An invalid spec is a conflict (409), an unknown environment is not found (404).
      throw new ActionException(lookup.problem(), lookup.invalid());
    }
    return lookup.spec();
  }

  private EnvironmentState state(String env) throws ActionException {
    Optional<EnvironmentState> s = environments.find(env);
    if (s.isEmpty()) {
      throw new ActionException("no environment named '" + env + "'", false);
    }
    return s.get();
  }

  private static String resolve(Releases releases, String to) throws ActionException {
    if (!to.matches("[0-9a-fA-F]{7,40}")) {
      throw new ActionException("'" + to + "' is not a commit sha", true);
    }
    List<String> matches =
        releases.list().stream()
            .filter(p -> Files.exists(p.resolve(Releases.BUILT_MARKER)))
            .map(Releases::revision)
            .flatMap(Optional::stream)
            .filter(c -> c.startsWith(to.toLowerCase()))
            .distinct()
            .toList();
    if (matches.isEmpty()) {
      throw new ActionException("no built release of " + to + " is on disk", true);
    }
    if (matches.size() > 1) {
      throw new ActionException(to + " is ambiguous: " + matches, true);
    }
    return matches.get(0);
  }

  /**
   * A deployment runs on this node now: what serves may change, so a rollback to it is not a no-op.
   */
  private static boolean deploying(String env, String node) {
    return QuarkusTransaction.requiringNew()
            .call(
                () ->
                    Deployment.count(
                        "environment = ?1 and node = ?2 and status = ?3",
                        env,
                        node,
                        DeploymentStatus.IN_PROGRESS))
        > 0;
  }

  /** The newest successful deployment of another commit whose release is still on disk. */
  private static String previousGood(Releases releases, EnvironmentState state)
      throws ActionException {
    String serving = state.actualCommit;
    List<Deployment> good =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    Deployment.<Deployment>list(
                        "environment = ?1 and node = ?2 and status = ?3 order by id desc",
                        state.name,
                        state.node,
                        DeploymentStatus.SUCCESS));
    for (Deployment d : good) {
      if (!d.gitCommit.equals(serving)) {
        Optional<Path> release = releases.forCommit(d.gitCommit);
        if (release.isPresent()) {
          return d.gitCommit;
        }
      }
    }
    throw new ActionException("no earlier good release of " + state.name + " is on disk", true);
  }
}
