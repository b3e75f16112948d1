package io.sylvan.operator.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.state.ProcessIdentity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * One operator process's hold on its node name: the {@code node} row, its lease, and whether this
 * process may act as the node ({@link #selfReady()}). Plain JDBC with short autocommit statements,
 * so several instances can be driven side by side in a test. {@link NodeRegistry} runs the one of
 * this process.
 */
public class NodeLease {

  private static final Logger LOG = Logger.getLogger(NodeLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Who this instance is. */
  public record Identity(
      String name, Map<String, String> labels, String instanceId, String operatorVersion) {}

  /** The holder of a name when another live instance refused us. */
  public record Holder(String instanceId, Instant startedAt, Instant renewedAt) {}

  private final DataSource dataSource;
  private final Identity self;
  private final Duration expiry;
  private final Optional<ProcessIdentity> process;

  private volatile boolean holding;
  private volatile long renewedNanos;
  private volatile Holder refusedBy;

  public NodeLease(DataSource dataSource, Identity self, Duration expiry) {
    this(dataSource, self, expiry, ProcessIdentity.self());
  }

  NodeLease(
      DataSource dataSource, Identity self, Duration expiry, Optional<ProcessIdentity> process) {
    this.dataSource = dataSource;
    this.self = self;
    this.expiry = expiry;
    this.process = process;
  }

  public Identity identity() {
    return self;
  }

  /**
   * One lease period's work: renews the lease while this instance holds the name, else tries to
   * take it. Returns whether this instance holds the name afterwards.
   */
  public synchronized boolean tick() throws SQLException {
    return holding ? renew() : register();
  }

  /**
   * Takes the name: inserts the row, or takes it over when its holder is this instance, its lease
   * expired (PostgreSQL's clock), or its process is certainly gone. A live other holder refuses:
   * {@link #refusedBy()} names it.
   */
  public synchronized boolean register() throws SQLException {
    long before = System.nanoTime();
    try (Connection c = dataSource.getConnection()) {
      if (upsert(c)) {
        return took(before);
      }
      Optional<Row> holder = holderRow(c);
      if (holder.isEmpty()) {
        // Deleted between the two statements: the next period inserts.
        return false;
      }
      Row h = holder.get();
      Optional<ProcessIdentity> theirs = ProcessIdentity.parse(h.process);
      if (process.isPresent() && theirs.isPresent() && process.get().certainlyGone(theirs.get())) {
        if (takeOver(c, h.instanceId)) {
          LOG.infof(
              "node %s: took the name over from instance %s (started %s), whose process on this"
                  + " machine is gone",
              self.name, h.instanceId, h.startedAt);
          return took(before);
        }
        return false;
      }
      holding = false;
      refusedBy = new Holder(h.instanceId, h.startedAt, h.renewedAt);
      return false;
    }
  }

  /**
   * Renews the lease with the database's clock; 0 rows means another instance took the name after
   * our lease expired: this instance stops acting as the node.
   */
  public synchronized boolean renew() throws SQLException {
    long before = System.nanoTime();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "update node set renewed_at = now(), lease_seconds = ?"
                    + " where name = ? and instance_id = ?")) {
      ps.setInt(1, leaseSeconds());
      ps.setString(2, self.name);
      ps.setString(3, self.instanceId);
      ps.setQueryTimeout(queryTimeoutSeconds());
      if (ps.executeUpdate() == 1) {
        renewedNanos = before;
        return true;
      }
      holding = false;
      refusedBy =
          holderRow(c).map(h -> new Holder(h.instanceId, h.startedAt, h.renewedAt)).orElse(null);
      return false;
    }
  }

  /** Ends the lease now (a clean stop), so a restart takes the name at once. */
  public synchronized void release() throws SQLException {
    holding = false;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "update node set renewed_at = now() - lease_seconds * interval '1 second'"
                    + " where name = ? and instance_id = ?")) {
      ps.setString(1, self.name);
      ps.setString(2, self.instanceId);
      ps.executeUpdate();
    }
  }

  /**
   * Whether this process may act as the node: it holds the name and its last successful renewal
   * began less than the lease expiry ago by this JVM's monotonic clock (timed from before the
   * statement was sent, so this view expires no later than the database's).
   */
  public boolean selfReady() {
    return holding && System.nanoTime() - renewedNanos < expiry.toNanos();
  }

  /** The live instance that holds the name, when the last attempt was refused. */
  public Optional<Holder> refusedBy() {
    return holding ? Optional.empty() : Optional.ofNullable(refusedBy);
  }

  /** Every node, Ready computed by PostgreSQL's clock, sorted by name. */
  public List<NodeInfo> list() throws SQLException {
    List<NodeInfo> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select name, instance_id, labels::text, operator_version, started_at,"
                    + " extract(epoch from now() - renewed_at)::float8,"
                    + " now() - renewed_at < lease_seconds * interval '1 second'"
                    + " from node order by name");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String name = rs.getString(1);
        double age = Math.max(0, Math.round(rs.getDouble(6) * 10) / 10.0);
        out.add(
            new NodeInfo(
                name,
                labels(rs.getString(3)),
                rs.getString(4),
                age,
                rs.getBoolean(7),
                rs.getTimestamp(5).toInstant(),
                name.equals(self.name) && rs.getString(2).equals(self.instanceId)));
      }
    }
    return out;
  }

  private boolean took(long before) {
    holding = true;
    renewedNanos = before;
    refusedBy = null;
    return true;
  }

  private boolean upsert(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into node (name, instance_id, labels, operator_version, process, started_at,"
                + " renewed_at, lease_seconds) values (?, ?, ?::jsonb, ?, ?, now(), now(), ?)"
                + " on conflict (name) do update set instance_id = excluded.instance_id,"
                + " labels = excluded.labels, operator_version = excluded.operator_version,"
                + " process = excluded.process,"
                + " started_at = case when node.instance_id = excluded.instance_id"
                + " then node.started_at else excluded.started_at end,"
                + " renewed_at = excluded.renewed_at, lease_seconds = excluded.lease_seconds"
                + " where node.instance_id = excluded.instance_id"
                + " or node.renewed_at + node.lease_seconds * interval '1 second' <= now()"
                + " returning instance_id")) {
      bindRow(ps);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Takes the name from {@code holder} only if it still holds it (no third instance won). */
  private boolean takeOver(Connection c, String holder) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update node set instance_id = ?, labels = ?::jsonb, operator_version = ?,"
                + " process = ?, started_at = now(), renewed_at = now(), lease_seconds = ?"
                + " where name = ? and instance_id = ?")) {
      ps.setString(1, self.instanceId);
      ps.setString(2, labelsJson());
      ps.setString(3, self.operatorVersion);
      ps.setString(4, process.map(ProcessIdentity::text).orElse(null));
      ps.setInt(5, leaseSeconds());
      ps.setString(6, self.name);
      ps.setString(7, holder);
      return ps.executeUpdate() == 1;
    }
  }

  private void bindRow(PreparedStatement ps) throws SQLException {
    ps.setString(1, self.name);
    ps.setString(2, self.instanceId);
    ps.setString(3, labelsJson());
    ps.setString(4, self.operatorVersion);
    ps.setString(5, process.map(ProcessIdentity::text).orElse(null));
    ps.setInt(6, leaseSeconds());
    ps.setQueryTimeout(queryTimeoutSeconds());
  }

  private record Row(String instanceId, Instant startedAt, Instant renewedAt, String process) {}

  private Optional<Row> holderRow(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select instance_id, started_at, renewed_at, process from node where name = ?")) {
      ps.setString(1, self.name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(
                rs.getString(1),
                rs.getTimestamp(2).toInstant(),
                rs.getTimestamp(3).toInstant(),
                rs.getString(4)));
      }
    }
  }

  /** Whole seconds, rounded up: a lease never ends before the configured expiry. */
  private int leaseSeconds() {
    long ms = expiry.toMillis();
    return (int) Math.max(1, (ms + 999) / 1000);
  }

  /** A statement that hangs longer than a lease is as good as failed. */
  private int queryTimeoutSeconds() {
    return leaseSeconds();
  }

  private String labelsJson() {
    try {
      return JSON.writeValueAsString(self.labels);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> labels(String json) {
    try {
      return JSON.readValue(json, new TypeReference<java.util.LinkedHashMap<String, String>>() {});
    } catch (JsonProcessingException e) {
      return Map.of();
    }
  }
}
