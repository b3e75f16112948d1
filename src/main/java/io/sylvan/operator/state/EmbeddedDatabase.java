package io.sylvan.operator.state;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The default database: a real PostgreSQL 15 run from Maven Central binaries, with its data under
 * {@code <data-dir>/postgres} so history survives restarts. Started before Quarkus (the datasource
 * needs its URL) and stopped after it.
 *
 * <p>Durable by default: zonky's builder starts PostgreSQL with {@code -F} (fsync off) and {@code
 * synchronous_commit=off}, settings for throw-away test databases that can lose committed rows on a
 * power loss; here {@code -c} options given after {@code -F} turn both back on.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path dataDirectory;
  private final AtomicBoolean zonkyClosed;
  private boolean closed;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
    this.zonkyClosed = disarmZonkyShutdownHook(postgres);
  }

  /**
   * Starts PostgreSQL in {@code dataDirectory} (created on first use). A postmaster left running
   * there by an operator that was killed is stopped first: the folder can have only one. {@code
   * durable} false keeps zonky's fsync-off settings: for tests only.
   */
  public static EmbeddedDatabase start(Path dataDirectory, int port, boolean durable)
      throws IOException {
    Path dir = dataDirectory.toAbsolutePath().normalize();
    Files.createDirectories(dir.getParent());
    stopOrphan(dir);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir.toFile())
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("listen_addresses", "localhost");
    if (durable) {
      builder
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on");
    }
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres pg = builder.start();
    return new EmbeddedDatabase(pg, dir);
  }

  /**
   * zonky registers a JVM shutdown hook that stops PostgreSQL the moment SIGTERM arrives, while
   * Quarkus (in its own hook) is still recording a running deployment. Its hook does nothing once
   * the instance counts as closed, so it is marked closed here and {@link #close()} clears the mark
   * just before stopping it, after Quarkus. zonky offers no switch for this; when its field is not
   * found (another zonky version) the old order stays and a warning says so.
   */
  private static AtomicBoolean disarmZonkyShutdownHook(EmbeddedPostgres pg) {
    try {
      Field f = EmbeddedPostgres.class.getDeclaredField("closed");
      f.setAccessible(true);
      AtomicBoolean flag = (AtomicBoolean) f.get(pg);
      flag.set(true);
      return flag;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warnf(
          "Cannot defer zonky's shutdown hook (%s): PostgreSQL may stop before the operator on"
              + " SIGTERM",
          e);
      return null;
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (zonkyClosed != null) {
      zonkyClosed.set(false);
    }
    long t0 = System.nanoTime();
    // Quarkus has stopped, and its logging with it: these lines go to stdout (the journal).
    try {
      postgres.close();
      System.out.printf(
          "Embedded PostgreSQL stopped (%s) in %d ms%n",
          dataDirectory, (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException e) {
      System.out.printf("Embedded PostgreSQL did not stop cleanly: %s%n", e.getMessage());
    }
    System.out.flush();
  }

  /** A {@code postmaster.pid} whose process is a live postgres means a crashed operator left it. */
  static void stopOrphan(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()
        || !handle.get().info().command().map(c -> c.contains("postgres")).orElse(false)) {
      return;
    }
    LOG.warnf(
        "Stopping PostgreSQL (pid %d) left running in %s by a previous run", pid, dataDirectory);
    ProcessHandle ph = handle.get();
    ph.destroy();
    try {
      ph.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      ph.destroyForcibly();
    }
  }
}
