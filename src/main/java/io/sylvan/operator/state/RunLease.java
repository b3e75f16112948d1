package io.sylvan.operator.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The {@code run_lease} rows of one operator process: who may run the pipeline of an (environment,
 * node) pair, and the fencing token of that hold. Plain JDBC with short autocommit statements (no
 * connection is kept for the run), every time by PostgreSQL's clock, so several instances can be
 * driven side by side in a test. {@code EnvironmentLock} runs the one of this process.
 */
public class RunLease {

  private static final Logger LOG = Logger.getLogger(RunLease.class);

  private final DataSource dataSource;
  private final String node;
  private final String holder;
  private final Duration expiry;
  private final Optional<ProcessIdentity> process;

  public RunLease(DataSource dataSource, String node, String holder, Duration expiry) {
    this(dataSource, node, holder, expiry, ProcessIdentity.self());
  }

  /**
   * {@code process} names the holder's OS process for the takeover from a dead one; empty where
   * that cannot tell agents apart (several agents in one JVM, as in tests).
   */
  public RunLease(
      DataSource dataSource,
      String node,
      String holder,
      Duration expiry,
      Optional<ProcessIdentity> process) {
    this.dataSource = dataSource;
    this.node = node;
    this.holder = holder;
    this.expiry = expiry;
    this.process = process;
  }

  public String node() {
    return node;
  }

  public String holder() {
    return holder;
  }

  /**
   * Takes the pair when its row is free (released), expired, already this holder's, or held by a
   * process of this machine that is certainly gone (an operator restarted after {@code kill -9}
   * need not wait for the expiry). Returns the new token, one more than the last one.
   */
  public Optional<Long> acquire(String environment) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      Optional<Long> token = upsert(c, environment);
      if (token.isPresent()) {
        return token;
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "select holder, process, token from run_lease where environment = ? and node = ?")) {
        ps.setString(1, environment);
        ps.setString(2, node);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          Optional<ProcessIdentity> theirs = ProcessIdentity.parse(rs.getString(2));
          if (process.isPresent()
              && theirs.isPresent()
              && process.get().certainlyGone(theirs.get())) {
            Optional<Long> taken = takeOver(c, environment, rs.getString(1), rs.getLong(3));
            taken.ifPresent(
                t ->
                    LOG.infof(
                        "[%s] took the run lease of node %s over from a gone process (token %d)",
                        environment, node, t));
            return taken;
          }
          return Optional.empty();
        }
      }
    }
  }

  /** Extends the hold; false when the pair is no longer this holder's with this token. */
  public boolean renew(String environment, long token) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "update run_lease set expires_at = now() + ? * interval '1 millisecond'"
                    + " where environment = ? and node = ? and holder = ? and token = ?")) {
      ps.setLong(1, expiry.toMillis());
      ps.setString(2, environment);
      ps.setString(3, node);
      ps.setString(4, holder);
      ps.setLong(5, token);
      ps.setQueryTimeout(queryTimeoutSeconds());
      return ps.executeUpdate() == 1;
    }
  }

  /** Frees the pair at once, when it is still this hold; the token stays for the next holder. */
  public void release(String environment, long token) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "update run_lease set holder = null, process = null, expires_at = now()"
                    + " where environment = ? and node = ? and holder = ? and token = ?")) {
      ps.setString(1, environment);
      ps.setString(2, node);
      ps.setString(3, holder);
      ps.setLong(4, token);
      ps.setQueryTimeout(queryTimeoutSeconds());
      ps.executeUpdate();
    }
  }

  private Optional<Long> upsert(Connection c, String environment) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into run_lease (environment, node, holder, process, token, acquired_at,"
                + " expires_at) values (?, ?, ?, ?, 1, now(), now() + ? * interval '1 millisecond')"
                + " on conflict (environment, node) do update set holder = excluded.holder,"
                + " process = excluded.process, token = run_lease.token + 1,"
                + " acquired_at = now(), expires_at = excluded.expires_at"
                + " where run_lease.holder is null or run_lease.holder = excluded.holder"
                + " or run_lease.expires_at <= now()"
                + " returning token")) {
      ps.setString(1, environment);
      ps.setString(2, node);
      ps.setString(3, holder);
      ps.setString(4, process.map(ProcessIdentity::text).orElse(null));
      ps.setLong(5, expiry.toMillis());
      ps.setQueryTimeout(queryTimeoutSeconds());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    }
  }

  /** Takes the pair from {@code from} only if it still holds it with {@code token}. */
  private Optional<Long> takeOver(Connection c, String environment, String from, long token)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update run_lease set holder = ?, process = ?, token = token + 1, acquired_at = now(),"
                + " expires_at = now() + ? * interval '1 millisecond'"
                + " where environment = ? and node = ? and holder = ? and token = ?"
                + " returning token")) {
      ps.setString(1, holder);
      ps.setString(2, process.map(ProcessIdentity::text).orElse(null));
      ps.setLong(3, expiry.toMillis());
      ps.setString(4, environment);
      ps.setString(5, node);
      ps.setString(6, from);
      ps.setLong(7, token);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    }
  }

  /** A statement that hangs longer than a lease is as good as failed. */
  private int queryTimeoutSeconds() {
    return (int) Math.max(1, (expiry.toMillis() + 999) / 1000);
  }
}
