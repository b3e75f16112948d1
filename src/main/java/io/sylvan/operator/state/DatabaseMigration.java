package io.sylvan.operator.state;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sylvan.operator.spec.SpecCatalog;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * Applies the Flyway migrations at startup instead of {@code quarkus.flyway.migrate-at-start}: with
 * that switch Quarkus refuses to start when the database does not answer, and a crash loop is the
 * opposite of what a readiness check is for. Here a failed first attempt is retried in the
 * background; meanwhile readiness reports the database DOWN with the reason.
 */
@ApplicationScoped
public class DatabaseMigration {

  private static final Logger LOG = Logger.getLogger(DatabaseMigration.class);
  static final long RETRY_SECONDS = 10;

  @Inject Flyway flyway;
  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;

  private volatile boolean migrated;
  private volatile String lastError = "not attempted yet";
  private ScheduledExecutorService retries;

  /** Runs before the reconcile loop's start (default priority), which needs the tables. */
  void onStart(@Observes @Priority(10) StartupEvent ev) {
    if (migrate()) {
      return;
    }
    retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sylvan-db-migrate");
              t.setDaemon(true);
              return t;
            });
    retries.scheduleWithFixedDelay(this::retry, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (retries != null) {
      retries.shutdownNow();
    }
  }

  /** True once the schema is current. */
  public boolean migrated() {
    return migrated;
  }

  /** Why the schema is not current yet, when it is not. */
  public Optional<String> pendingReason() {
    return migrated ? Optional.empty() : Optional.of(lastError);
  }

  synchronized boolean migrate() {
    if (migrated) {
      return true;
    }
    try {
      var result = flyway.migrate();
      // Before anything reads its rows: the first agent makes the single-node rows its own.
      environments.adoptLegacyRows();
      migrated = true;
      LOG.infof(
          "Database schema is current (version %s, %d migration(s) applied now)",
          flyway.info().current() == null ? "none" : flyway.info().current().getVersion(),
          result.migrationsExecuted);
      return true;
    } catch (RuntimeException e) {
      lastError = "migrations not applied: " + rootMessage(e);
      LOG.warnf("Database not ready (%s); retrying every %d s", lastError, RETRY_SECONDS);
      return false;
    }
  }

  private void retry() {
    if (!migrate()) {
      return;
    }
    // The reconcile loop's first spec read could not be recorded: record the view it holds now.
    try {
      specs.current().ifPresent(environments::applySnapshot);
    } catch (RuntimeException e) {
      LOG.warnf("recording the spec view after the database came back: %s", e.getMessage());
    }
    retries.shutdown();
  }

  /** The innermost cause as {@code Type: message}: what a person can act on. */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
