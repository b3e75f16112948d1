package io.sylvan.operator;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.sylvan.operator.state.EmbeddedDatabase;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Entry point: starts the embedded PostgreSQL when no datasource URL is configured, runs the
 * operator, then stops the database after Quarkus has shut down (so no postgres outlives us).
 */
@QuarkusMain
public final class OperatorMain {

  private static final Logger LOG = Logger.getLogger(OperatorMain.class);
  private static final long QUARKUS_STOP_WAIT_SECONDS = 30;

  private OperatorMain() {}

  public static void main(String... args) throws Exception {
    Config config = ConfigProvider.getConfig();
    String url = config.getOptionalValue("quarkus.datasource.jdbc.url", String.class).orElse("");
    if (!url.isBlank()) {
      LOG.infof("Database: external PostgreSQL at %s", redactUrl(url));
      Quarkus.run(args);
      return;
    }
    Path dataDir = config.getOptionalValue("sylvan.data-dir", Path.class).orElse(Path.of("data"));
    Path pgDir =
        config
            .getOptionalValue("sylvan.database.embedded-dir", Path.class)
            .orElse(dataDir.resolve("postgres"));
    int port = config.getOptionalValue("sylvan.database.embedded-port", Integer.class).orElse(0);
    long t0 = System.nanoTime();
    EmbeddedDatabase db = EmbeddedDatabase.start(pgDir, port);
    LOG.infof(
        "Database: embedded PostgreSQL 15 on localhost:%d, data in %s (started in %d ms)",
        db.port(), db.dataDirectory(), (System.nanoTime() - t0) / 1_000_000);
    System.setProperty("quarkus.datasource.jdbc.url", db.jdbcUrl());
    System.setProperty("quarkus.datasource.username", "postgres");
    System.setProperty("quarkus.datasource.password", "postgres");
    // On SIGTERM, Quarkus stops in its own shutdown hook, concurrently with this one: wait for it
    // (bounded) so nothing still writing loses its database, then stop PostgreSQL. Quarkus.run
    // returns only after its shutdown completed. close() is idempotent.
    CountDownLatch quarkusStopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    quarkusStopped.await(QUARKUS_STOP_WAIT_SECONDS, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  db.close();
                },
                "embedded-postgres-stop"));
    try {
      Quarkus.run(args);
    } finally {
      quarkusStopped.countDown();
      db.close();
    }
  }

  /** Drops credentials from a JDBC URL before it is logged. */
  static String redactUrl(String url) {
    return url.replaceAll("(?i)(password|user)=[^&;]*", "$1=***").replaceAll("//[^/@]*@", "//***@");
  }
}
