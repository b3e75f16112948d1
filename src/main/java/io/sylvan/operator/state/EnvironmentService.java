package io.sylvan.operator.state;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.sylvan.operator.reconcile.Reasons;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecError;
import io.sylvan.operator.spec.SpecSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Writes environment rows: what the spec source says, and conditions. Short transactions only. */
@ApplicationScoped
public class EnvironmentService {

  /**
   * Brings the environment rows in line with a freshly loaded spec snapshot: desired commit and
   * spec revision of valid specs, Stalled/InvalidSpec for invalid ones, SpecRemoved for rows whose
   * file is gone. What runs is not touched here.
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
      }
      e.condition(Condition.STALLED)
          .filter(c -> c.status() && Reasons.INVALID_SPEC.equals(c.reason()))
          .ifPresent(
              c ->
                  e.setCondition(
                      Condition.STALLED, false, Reasons.INVALID_SPEC, "spec is valid again"));
    }
    for (var invalid : snapshot.invalid()) {
      seen.add(invalid.environment());
      EnvironmentState e = getOrCreate(invalid.environment());
      e.specFile = invalid.file();
      e.specRevision = snapshot.revision();
      e.specValid = false;
      String message =
          invalid.errors().stream().map(SpecError::toString).collect(Collectors.joining("\n"));
      e.setCondition(Condition.STALLED, true, Reasons.INVALID_SPEC, message);
      e.setCondition(Condition.READY, false, Reasons.INVALID_SPEC, firstLine(message));
      e.setCondition(
          Condition.RECONCILING, false, Reasons.INVALID_SPEC, "waiting for a valid spec");
      e.observedAt = Instant.now();
    }
    for (EnvironmentState e : EnvironmentState.listAllByName()) {
      if (!seen.contains(e.name) && e.specValid) {
        e.specValid = false;
        e.setCondition(
            Condition.READY,
            false,
            Reasons.SPEC_REMOVED,
            "no spec names this environment any more; what runs is left alone");
      }
    }
  }

  /**
   * Applies a change to one environment row in its own transaction. The reconcile loop, the
   * pipeline and the API write the same rows: a write that lost a race (optimistic lock, or two
   * creating the row at once) is retried on fresh data, so {@code change} must only set fields.
   */
  public void update(String name, Consumer<EnvironmentState> change) {
    withRetry(() -> change.accept(getOrCreate(name)));
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

  /** A detached copy of one environment row, read in its own short transaction. */
  public Optional<EnvironmentState> find(String name) {
    return QuarkusTransaction.requiringNew().call(() -> EnvironmentState.findByName(name));
  }

  private static EnvironmentState getOrCreate(String name) {
    return EnvironmentState.findByName(name)
        .orElseGet(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = name;
              e.persist();
              return e;
            });
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " (and more)";
  }
}
