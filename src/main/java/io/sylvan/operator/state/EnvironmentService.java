package io.sylvan.operator.state;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.EstablishedEnvironments;
import io.sylvan.operator.spec.SpecError;
import io.sylvan.operator.spec.SpecSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.OptimisticLockException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Writes this node's environment rows ({@link LocalNode}): what the spec source says, and
 * conditions. Another node's rows are never read or written here. Short transactions only.
 */
@ApplicationScoped
public class EnvironmentService implements EstablishedEnvironments {

  private static final Logger LOG = Logger.getLogger(EnvironmentService.class);

  @Inject LocalNode local;

  @Override
  public List<String> oldestFirst() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                EnvironmentState.listEstablished(local.name()).stream().map(e -> e.name).toList());
  }

  /**
   * Makes the rows written before state was kept per node (node {@code ''}, see V4) this node's, in
   * one statement: environments, whose deployments and health results follow by the foreign keys'
   * {@code on update cascade}. A legacy row whose environment this node already has stays as it is
   * rather than overwrite the node's own. Returns how many environment rows were adopted.
   */
  public int adoptLegacyRows() {
    String me = local.name();
    int adopted =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  var em = EnvironmentState.getEntityManager();
                  int rows =
                      em.createNativeQuery(
                              "update environment e set node = ?1 where e.node = ''"
                                  + " and not exists (select 1 from environment o"
                                  + " where o.name = e.name and o.node = ?1)")
                          .setParameter(1, me)
                          .executeUpdate();
                  return rows;
                });
    if (adopted > 0) {
      LOG.infof(
          "Adopted %d environment row(s) kept before per-node state as node '%s''s", adopted, me);
    }
    return adopted;
  }

  /** Reasons only the spec layer sets, and clears when a valid spec is back. */
  private static final Set<String> SPEC_REASONS =
      Set.of(Reasons.INVALID_SPEC, Reasons.SPEC_CONFLICT, Reasons.SPEC_REMOVED);

  /**
   * Brings the environment rows in line with a freshly loaded spec snapshot: desired commit and
   * spec revision of valid specs, Stalled/InvalidSpec for invalid ones (all files of a duplicated
   * environment named), Stalled/SpecConflict for ones that collide with an earlier file's
   * environment, and Ready False plus Stalled True SpecRemoved for rows whose file is gone. What
   * runs is not touched here.
   */
  public void applySnapshot(SpecSnapshot snapshot) {
    withRetry(() -> applySnapshotOnce(snapshot));
  }

  private void applySnapshotOnce(SpecSnapshot snapshot) {
    Set<String> seen = new HashSet<>();
    for (DeploySpec spec : snapshot.valid().values()) {
      seen.add(spec.environment());
      EnvironmentState e = getOrCreate(spec.environment());
      e.appName = spec.metadata().name();
      e.specFile = spec.sourceFile();
      e.specRevision = snapshot.revision();
      e.specValid = true;
      e.desiredCommit = spec.spec().source().commit();
      e.suspended = spec.spec().reconcile().suspend() || e.suspendedManually;
      if (e.pinnedCommit != null && !e.desiredCommit.equals(e.pinnedDesiredCommit)) {
        // The spec names a new commit: a manual rollback's pin ends here.
        e.pinnedCommit = null;
        e.pinnedDesiredCommit = null;
        e.pinnedReason = null;
      }
      recover(e);
    }
    Map<String, List<SpecSnapshot.InvalidSpec>> invalidByEnvironment = new LinkedHashMap<>();
    for (var invalid : snapshot.invalid()) {
      invalidByEnvironment
          .computeIfAbsent(invalid.environment(), k -> new ArrayList<>())
          .add(invalid);
    }
    invalidByEnvironment.forEach(
        (name, files) -> {
          seen.add(name);
          EnvironmentState e = getOrCreate(name);
          // Two files claiming one environment: both are named, with every error of each.
          e.specFile =
              files.stream().map(SpecSnapshot.InvalidSpec::file).collect(Collectors.joining(", "));
          e.specRevision = snapshot.revision();
          e.specValid = false;
          boolean conflict =
              files.stream().allMatch(f -> f.problem() == SpecSnapshot.Problem.CONFLICT);
          String reason = conflict ? Reasons.SPEC_CONFLICT : Reasons.INVALID_SPEC;
          String message =
              files.stream()
                  .flatMap(f -> f.errors().stream())
                  .map(SpecError::toString)
                  .collect(Collectors.joining("\n"));
          e.markStalled(reason, message);
          e.markNotReady(reason, firstLine(message));
          e.markNotReconciling(
              reason,
              conflict
                  ? "not reconciled while it collides with another environment"
                  : "waiting for a valid spec");
          e.observedAt = Instant.now();
        });
    for (EnvironmentState e : EnvironmentState.listAllByName(local.name())) {
      boolean marked =
          e.condition(Condition.STALLED)
              .filter(c -> c.status() && Reasons.SPEC_REMOVED.equals(c.reason()))
              .isPresent();
      if (!seen.contains(e.name) && !marked) {
        e.specValid = false;
        // Every condition is rewritten: an old message (an invalid spec's text) must not stay.
        String message =
            snapshot.elsewhere().containsKey(e.name)
                ? "the spec's placement no longer includes node '"
                    + local.name()
                    + "'; what runs here is left alone: a placement never stops an app"
                : "no spec file names this environment any more"
                    + (e.specFile == null ? "" : " (it was in " + e.specFile + ")")
                    + "; what runs is left alone: removing a spec never stops an app";
        e.markNotReady(Reasons.SPEC_REMOVED, message);
        e.markStalled(Reasons.SPEC_REMOVED, message);
        e.markNotReconciling(Reasons.SPEC_REMOVED, "not reconciled without a spec");
        e.observedAt = Instant.now();
      }
    }
  }

  /** A valid spec again: what the spec layer said (invalid, conflict, removed) no longer holds. */
  private static void recover(EnvironmentState e) {
    e.condition(Condition.STALLED)
        .filter(c -> c.status() && SPEC_REASONS.contains(c.reason()))
        .ifPresent(c -> e.clearStalled(c.reason(), "spec is valid again"));
    String waiting = "spec is valid again; waiting for the next reconcile";
    if (e.condition(Condition.READY).filter(c -> SPEC_REASONS.contains(c.reason())).isPresent()) {
      e.markNotReady(Reasons.PROGRESSING, waiting);
    }
    if (e.condition(Condition.RECONCILING)
        .filter(c -> SPEC_REASONS.contains(c.reason()))
        .isPresent()) {
      e.markNotReconciling(Reasons.PROGRESSING, waiting);
    }
  }

  /**
   * Applies a change to one environment row in its own transaction. The reconcile loop, the
   * pipeline and the API write the same rows: a write that lost a race (optimistic lock, or two
   * creating the row at once) is retried on fresh data, so {@code change} must only set fields (no
   * metrics, no notifications). Returns the row as written, detached.
   */
  public EnvironmentState update(String name, Consumer<EnvironmentState> change) {
    EnvironmentState[] written = new EnvironmentState[1];
    withRetry(
        () -> {
          EnvironmentState e = getOrCreate(name);
          change.accept(e);
          written[0] = e;
        });
    return written[0];
  }

  /**
   * Applies a change to every node's row of one environment (a fleet-wide decision such as a
   * person's rollback), each row in its own transaction with the same retry as {@link #update}.
   * Returns the nodes whose rows were changed.
   */
  public List<String> updateAllNodes(String name, Consumer<EnvironmentState> change) {
    List<String> nodes =
        QuarkusTransaction.requiringNew()
            .call(() -> EnvironmentState.listNodesOf(name).stream().map(e -> e.node).toList());
    for (String n : nodes) {
      withRetry(
          () ->
              EnvironmentState.findByName(name, n)
                  .ifPresent(
                      e -> {
                        change.accept(e);
                      }));
    }
    return nodes;
  }

  /** Detached copies of every node's row of one environment. */
  public List<EnvironmentState> findAllNodes(String name) {
    return QuarkusTransaction.requiringNew().call(() -> EnvironmentState.listNodesOf(name));
  }

  static final int ATTEMPTS = 5;

  private static void withRetry(Runnable work) {
    for (int attempt = 1; ; attempt++) {
      try {
        QuarkusTransaction.requiringNew().run(work);
        return;
      } catch (RuntimeException e) {
        if (attempt >= ATTEMPTS || !lostRace(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean lostRace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OptimisticLockException
          || t instanceof org.hibernate.StaleStateException
          || t instanceof org.hibernate.exception.ConstraintViolationException) {
        return true;
      }
    }
    return false;
  }

  /** A detached copy of this node's row of one environment, read in its own transaction. */
  public Optional<EnvironmentState> find(String name) {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(name, local.name()));
  }

  /** This node's row of {@code name}, created when missing. */
  private EnvironmentState getOrCreate(String name) {
    return EnvironmentState.findByName(name, local.name())
        .orElseGet(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = name;
              e.node = local.name();
              e.persist();
              return e;
            });
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " (and more)";
  }
}
