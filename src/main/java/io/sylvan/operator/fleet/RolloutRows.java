package io.sylvan.operator.fleet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of the rollout tables: reads and single-row writes, on a connection the caller's
 * transaction owns (the transitions that combine them are {@link RolloutStore}'s).
 */
final class RolloutRows {

  static final String ACTIVE_PHASES = "('progressing', 'paused', 'reverting')";

  /** States in which a node may serve the rollout's commit or is about to. */
  static final String IN_FLIGHT = "('updating', 'healthy', 'stable', 'reverting')";

  private static final String ROLLOUT_COLUMNS =
      "id, environment, commit, previous_commit, phase, canary, max_parallel,"
          + " min_healthy_seconds, progress_deadline_seconds, max_failures, auto_revert,"
          + " current_wave, failures, failed_node, failed_step, failed_reason, created_at,"
          + " updated_at, finished_at";

  private RolloutRows() {}

  /** The rollout's columns that decide transitions. */
  record Row(
      long id,
      String environment,
      String commit,
      RolloutPhase phase,
      int canary,
      int maxParallel,
      int minHealthySeconds,
      int maxFailures,
      boolean autoRevert,
      int currentWave,
      int failures) {}

  /** One node's row of a rollout. */
  record NodeRow(String node, int wave, RolloutNodeState state) {}

  /** Locks the rollout row until the transaction ends: every transition starts here. */
  static Optional<Row> lock(Connection c, long id) throws SQLException {
    return rowWhere(c, "id = ?", id);
  }

  /** Locks the environment's active rollout, if it has one. */
  static Optional<Row> lockActive(Connection c, String environment) throws SQLException {
    return rowWhere(c, "environment = ? and phase in " + ACTIVE_PHASES, environment);
  }

  private static Optional<Row> rowWhere(Connection c, String where, Object key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select id, environment, commit, phase, canary, max_parallel, min_healthy_seconds,"
                + " max_failures, auto_revert, current_wave, failures from rollout where "
                + where
                + " for update")) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                RolloutPhase.fromWire(rs.getString(4)),
                rs.getInt(5),
                rs.getInt(6),
                rs.getInt(7),
                rs.getInt(8),
                rs.getBoolean(9),
                rs.getInt(10),
                rs.getInt(11)));
      }
    }
  }

  static Optional<NodeRow> node(Connection c, long rolloutId, String node) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select node, wave, state from rollout_node where rollout_id = ? and node = ?")) {
      ps.setLong(1, rolloutId);
      ps.setString(2, node);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new NodeRow(
                    rs.getString(1), rs.getInt(2), RolloutNodeState.fromWire(rs.getString(3))))
            : Optional.empty();
      }
    }
  }

  /** How many nodes of the rollout match a where clause over rollout_node (one ? = wave, opt.). */
  static int count(Connection c, long rolloutId, String where, Integer wave) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select count(*) from rollout_node where rollout_id = ? and (" + where + ")")) {
      ps.setLong(1, rolloutId);
      if (wave != null) {
        ps.setInt(2, wave);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  static Optional<RolloutState> byId(Connection c, long id) throws SQLException {
    return state(c, "id = ?", id);
  }

  static Optional<RolloutState> active(Connection c, String environment) throws SQLException {
    return state(c, "environment = ? and phase in " + ACTIVE_PHASES, environment);
  }

  static Optional<RolloutState> latest(Connection c, String environment) throws SQLException {
    return state(c, "environment = ? order by id desc limit 1", environment);
  }

  private static Optional<RolloutState> state(Connection c, String where, Object key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("select " + ROLLOUT_COLUMNS + " from rollout where " + where)) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long id = rs.getLong("id");
        return Optional.of(
            new RolloutState(
                id,
                rs.getString("environment"),
                rs.getString("commit"),
                rs.getString("previous_commit"),
                RolloutPhase.fromWire(rs.getString("phase")),
                rs.getInt("canary"),
                rs.getInt("max_parallel"),
                Duration.ofSeconds(rs.getInt("min_healthy_seconds")),
                Duration.ofSeconds(rs.getInt("progress_deadline_seconds")),
                rs.getInt("max_failures"),
                rs.getBoolean("auto_revert"),
                rs.getInt("current_wave"),
                rs.getInt("failures"),
                rs.getString("failed_node"),
                rs.getString("failed_step"),
                rs.getString("failed_reason"),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                instant(rs, "finished_at"),
                nodes(c, id)));
      }
    }
  }

  private static List<RolloutState.NodeProgress> nodes(Connection c, long id) throws SQLException {
    List<RolloutState.NodeProgress> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select node, wave, state, previous_commit, started_at, healthy_at, finished_at,"
                + " build_id, static_digest, error from rollout_node where rollout_id = ?"
                + " order by wave, node")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new RolloutState.NodeProgress(
                  rs.getString("node"),
                  rs.getInt("wave"),
                  RolloutNodeState.fromWire(rs.getString("state")),
                  rs.getString("previous_commit"),
                  instant(rs, "started_at"),
                  instant(rs, "healthy_at"),
                  instant(rs, "finished_at"),
                  rs.getString("build_id"),
                  rs.getString("static_digest"),
                  rs.getString("error")));
        }
      }
    }
    return out;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  // --- single-row writes, on the locked rollout ---

  static void finishNode(
      Connection c, long rolloutId, String node, RolloutNodeState state, String error)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout_node set state = ?, finished_at = clock_timestamp(), error ="
                + " coalesce(?, error) where rollout_id = ? and node = ?")) {
      ps.setString(1, state.wire());
      ps.setString(2, error);
      ps.setLong(3, rolloutId);
      ps.setString(4, node);
      ps.executeUpdate();
    }
  }

  static void setState(Connection c, long rolloutId, String node, RolloutNodeState state)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("update rollout_node set state = ? where rollout_id = ? and node = ?")) {
      ps.setString(1, state.wire());
      ps.setLong(2, rolloutId);
      ps.setString(3, node);
      ps.executeUpdate();
    }
  }

  static void setPhase(Connection c, long rolloutId, RolloutPhase phase) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout set phase = ?, updated_at = clock_timestamp() where id = ?")) {
      ps.setString(1, phase.wire());
      ps.setLong(2, rolloutId);
      ps.executeUpdate();
    }
  }

  static void touch(Connection c, long rolloutId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("update rollout set updated_at = clock_timestamp() where id = ?")) {
      ps.setLong(1, rolloutId);
      ps.executeUpdate();
    }
  }
}
