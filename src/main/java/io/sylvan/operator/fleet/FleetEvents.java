package io.sylvan.operator.fleet;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sylvan.operator.state.DatabaseMigration;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Agents wake each other through PostgreSQL's {@code LISTEN/NOTIFY} on channel {@value #CHANNEL},
 * payload = an environment name. One dedicated connection listens on a daemon thread and hands
 * every notification to the registered callbacks; when the connection drops it reconnects with
 * backoff (notifications sent meanwhile are lost: polling stays the fallback). {@link
 * #publish(Connection, String)} inside a transaction is delivered when it commits, never when it
 * rolls back.
 */
@ApplicationScoped
public class FleetEvents {

  private static final Logger LOG = Logger.getLogger(FleetEvents.class);

  public static final String CHANNEL = "sylvan_fleet";

  /** How long one wait for notifications lasts: bounds how late a stop is noticed. */
  static final int WAIT_MILLIS = 500;

  static final Duration BACKOFF_MIN = Duration.ofMillis(200);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(10);

  @Inject AgroalDataSource dataSource;

  private final List<Consumer<String>> callbacks = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;
  private volatile int backendPid;
  private Thread thread;

  /** After the schema (priority 10) and the node (20); LISTEN itself needs no table. */
  void onStart(@Observes @Priority(30) StartupEvent ev) {
    thread = new Thread(this::run, "sylvan-fleet-listen");
    thread.setDaemon(true);
    thread.start();
  }

  void onStop(@Observes @Priority(5000) ShutdownEvent ev) {
    stopping = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2L * WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Calls {@code callback} with the environment of every notification (on the listen thread). */
  public void onEnvironment(Consumer<String> callback) {
    callbacks.add(callback);
  }

  /**
   * Notifies every agent about {@code environment}. Inside a JTA transaction the pool's connection
   * is enlisted, so the notification goes out when that transaction commits.
   */
  public void publish(String environment) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      publish(c, environment);
    }
  }

  /**
   * Notifies on {@code connection}: delivered when its transaction commits (at once in autocommit).
   */
  public static void publish(Connection connection, String environment) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("select pg_notify(?, ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, environment);
      ps.execute();
    }
  }

  /** Whether the listen connection is up now. */
  public boolean listening() {
    return backendPid != 0;
  }

  /** The PostgreSQL backend pid of the listen connection; 0 while not connected. */
  int listenerBackendPid() {
    return backendPid;
  }

  private void run() {
    Duration backoff = BACKOFF_MIN;
    boolean failing = false;
    while (!stopping) {
      try (Connection c = dataSource.getConnection()) {
        listen(c, failing);
        failing = false;
        backoff = BACKOFF_MIN;
      } catch (SQLException | RuntimeException e) {
        if (stopping) {
          break;
        }
        if (!failing) {
          LOG.warnf(
              "fleet events: the LISTEN connection failed (%s); reconnecting with backoff, polling"
                  + " meanwhile",
              DatabaseMigration.rootMessage(e));
        }
        failing = true;
      } finally {
        backendPid = 0;
      }
      if (!sleep(backoff)) {
        break;
      }
      backoff =
          backoff.multipliedBy(2).compareTo(BACKOFF_MAX) > 0
              ? BACKOFF_MAX
              : backoff.multipliedBy(2);
    }
  }

  private void listen(Connection c, boolean reconnect) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + CHANNEL);
      try (ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
        rs.next();
        backendPid = rs.getInt(1);
      }
    }
    if (reconnect) {
      LOG.infof("fleet events: listening again on %s", CHANNEL);
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    while (!stopping) {
      // Throws once the backend is gone (terminated, database restarted, network cut).
      PGNotification[] received = pg.getNotifications(WAIT_MILLIS);
      if (received != null) {
        for (PGNotification n : received) {
          dispatch(n.getParameter());
        }
      }
    }
  }

  private void dispatch(String environment) {
    for (Consumer<String> callback : callbacks) {
      try {
        callback.accept(environment);
      } catch (RuntimeException e) {
        LOG.warnf(e, "fleet events: a callback failed for %s", environment);
      }
    }
  }

  private boolean sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
