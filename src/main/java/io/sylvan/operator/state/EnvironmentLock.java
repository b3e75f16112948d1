package io.sylvan.operator.state;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * One pipeline at a time per (environment, node), across every operator instance sharing the
 * database (two processes claiming one node name included): a PostgreSQL session-level advisory
 * lock, held on a connection of its own (no transaction) for as long as the run lasts. It dies with
 * its session, so a crashed operator never leaves it behind.
 */
@ApplicationScoped
public class EnvironmentLock {

  private static final Logger LOG = Logger.getLogger(EnvironmentLock.class);

  @Inject AgroalDataSource dataSource;
  @Inject LocalNode node;

  /** Environments this JVM holds, so two threads of one operator never even ask twice. */
  private final Set<String> local = ConcurrentHashMap.newKeySet();

  /** A held lock; closing it releases the lock and its connection. */
  public final class Held implements AutoCloseable {
    private final String environment;
    private final Connection connection;
    private boolean released;

    private Held(String environment, Connection connection) {
      this.environment = environment;
      this.connection = connection;
    }

    @Override
    public synchronized void close() {
      if (released) {
        return;
      }
      released = true;
      try (connection;
          PreparedStatement ps =
              connection.prepareStatement("select pg_advisory_unlock(hashtextextended(?, 0))")) {
        ps.setString(1, key(environment));
        ps.execute();
      } catch (SQLException e) {
        // Closing the session releases the lock anyway.
        LOG.debugf("advisory unlock of %s: %s", environment, e.getMessage());
      } finally {
        local.remove(environment);
      }
    }
  }

  /** The lock, or empty when another thread or operator instance holds it. */
  public Optional<Held> tryLock(String environment) throws SQLException {
    if (!local.add(environment)) {
      return Optional.empty();
    }
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(true);
      try (PreparedStatement ps =
          c.prepareStatement("select pg_try_advisory_lock(hashtextextended(?, 0))")) {
        ps.setString(1, key(environment));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return Optional.of(new Held(environment, c));
          }
        }
      }
      c.close();
      local.remove(environment);
      return Optional.empty();
    } catch (SQLException | RuntimeException e) {
      local.remove(environment);
      if (c != null) {
        c.close();
      }
      throw e;
    }
  }

  /** Per (environment, node): nodes of one fleet deploy the same environment independently. */
  private String key(String environment) {
    return "sylvan-operator:environment:" + environment + "@" + node.name();
  }
}
