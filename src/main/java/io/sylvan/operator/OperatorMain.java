package io.sylvan.operator;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DatabaseBackup;
import io.sylvan.operator.state.EmbeddedDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Entry point: starts the embedded PostgreSQL when no datasource URL is configured, runs the
 * operator, then stops the database after Quarkus has shut down (so no postgres outlives us, and
 * nothing still recording a deployment loses its database).
 */
@QuarkusMain
public final class OperatorMain {

  private static final Logger LOG = Logger.getLogger(OperatorMain.class);

  /**
   * Longest the database waits for Quarkus to stop on SIGTERM before it stops anyway: above the two
   * worker pools' grace (2 x WorkerPools.STOP_GRACE), under systemd's TimeoutStopSec.
   */
  private static final long QUARKUS_STOP_WAIT_SECONDS = 15;

  private OperatorMain() {}

  public static void main(String... args) throws Exception {
    Config config = ConfigProvider.getConfig();
    String url = config.getOptionalValue("quarkus.datasource.jdbc.url", String.class).orElse("");
    if (args.length > 0 && args[0].equals("db")) {
      System.exit(database(config, url, args));
    }
    if (!url.isBlank()) {
      LOG.infof("Database: external PostgreSQL at %s", redactUrl(url));
      Quarkus.run(args);
      return;
    }
    Path pgDir = embeddedDir(config);
    int port = config.getOptionalValue("sylvan.database.embedded-port", Integer.class).orElse(0);
    boolean durable =
        config.getOptionalValue("sylvan.database.embedded-durable", Boolean.class).orElse(true);
    long t0 = System.nanoTime();
    EmbeddedDatabase db = EmbeddedDatabase.start(pgDir, port, durable);
    LOG.infof(
        "Database: embedded PostgreSQL 15 on localhost:%d, data in %s (started in %d ms%s)",
        db.port(),
        db.dataDirectory(),
        (System.nanoTime() - t0) / 1_000_000,
        durable ? "" : "; not durable: sylvan.database.embedded-durable=false");
    System.setProperty("quarkus.datasource.jdbc.url", db.jdbcUrl());
    System.setProperty("quarkus.datasource.username", "postgres");
    System.setProperty("quarkus.datasource.password", "postgres");
    System.exit(runThenStop(db, args));
  }

  /**
   * Runs Quarkus, then stops {@code db}; returns the exit code. On SIGTERM the JVM runs every
   * shutdown hook at once: Quarkus stops in its own hook, and this thread's {@code Quarkus.run}
   * returns once that stop is complete. Quarkus' default exit handler would call {@code
   * System.exit} inside {@code Quarkus.run}, which blocks while hooks run, so the database hook
   * waiting for this thread would wait its whole bound (the old 30 s stop): the handler only keeps
   * the code, and {@code System.exit} is called after the database is stopped (during SIGTERM it
   * then blocks harmlessly until the hooks end and the JVM halts).
   */
  static int runThenStop(EmbeddedDatabase db, String... args) {
    CountDownLatch quarkusStopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    // Bounded: a Quarkus stop that hangs must not keep PostgreSQL running.
                    quarkusStopped.await(QUARKUS_STOP_WAIT_SECONDS, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  db.close();
                },
                "embedded-postgres-stop"));
    AtomicInteger exitCode = new AtomicInteger();
    try {
      Quarkus.run(null, (code, cause) -> exitCode.set(code), args);
    } finally {
      db.close();
      quarkusStopped.countDown();
    }
    return exitCode.get();
  }

  private static Path embeddedDir(Config config) {
    Path dataDir = config.getOptionalValue("sylvan.data-dir", Path.class).orElse(Path.of("data"));
    return config
        .getOptionalValue("sylvan.database.embedded-dir", Path.class)
        .orElse(dataDir.resolve("postgres"));
  }

  /**
   * {@code db backup FILE} (while the operator runs) and {@code db restore FILE} (while it is
   * stopped, into a fresh data folder) of the embedded database; returns the exit code.
   */
  static int database(Config config, String url, String... args) {
    if (args.length != 3 || !(args[1].equals("backup") || args[1].equals("restore"))) {
      System.err.println("usage: db backup FILE | db restore FILE (the embedded database)");
      return 2;
    }
    if (!url.isBlank()) {
      System.err.printf(
          "The operator uses an external PostgreSQL (%s): back it up with pg_dump/pg_restore"
              + " against that server (docs/operations.md#backing-up-the-operators-database)%n",
          redactUrl(url));
      return 2;
    }
    Path pgDir = embeddedDir(config).toAbsolutePath().normalize();
    Path file = Path.of(args[2]).toAbsolutePath().normalize();
    DatabaseBackup tools =
        new DatabaseBackup(config.getOptionalValue("sylvan.database.pg-bin", Path.class));
    try {
      if (args[1].equals("backup")) {
        tools.backup(pgDir, file);
        System.out.printf("Backed up the database of %s to %s%n", pgDir, file);
      } else {
        tools.restore(file, pgDir);
        System.out.printf("Restored %s into %s; start the operator%n", file, pgDir);
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("db " + args[1] + ": " + e.getMessage());
      return 1;
    }
  }

  /** Drops credentials from a JDBC URL before it is logged. */
  static String redactUrl(String url) {
    return Redactor.patterns(url);
  }
}
