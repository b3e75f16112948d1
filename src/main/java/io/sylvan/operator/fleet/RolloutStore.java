package io.sylvan.operator.fleet;

import static io.sylvan.operator.fleet.RolloutRows.IN_FLIGHT;
import static io.sylvan.operator.fleet.RolloutRows.finishNode;
import static io.sylvan.operator.fleet.RolloutRows.setPhase;
import static io.sylvan.operator.fleet.RolloutRows.setState;
import static io.sylvan.operator.fleet.RolloutRows.touch;

import io.agroal.api.AgroalDataSource;
import io.sylvan.operator.fleet.RolloutRows.NodeRow;
import io.sylvan.operator.fleet.RolloutRows.Row;
import io.sylvan.operator.fleet.RolloutStep.Decision;
import io.sylvan.operator.state.Reasons;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The rollouts of placed environments in PostgreSQL: the one place that decides which node may
 * update when. Every method is one short transaction that first locks the rollout row ({@code
 * select ... for update}), so any number of agents may call any method at any time and the order
 * holds with no leader; a change that can alter another agent's answer (a wave opened, the phase
 * changed, a wave slot freed for a waiting node) publishes {@code pg_notify('sylvan_fleet',
 * environment)}, which PostgreSQL delivers on commit. Nothing slow ever runs inside these
 * transactions, and none may be called inside a JTA transaction (each takes its own connection and
 * commits it).
 */
@ApplicationScoped
public class RolloutStore {

  /** The LISTEN/NOTIFY channel; the payload is the environment name. */
  public static final String CHANNEL = FleetEvents.CHANNEL;

  private static final int ENSURE_ATTEMPTS = 5;
  private static final String UNIQUE_VIOLATION = "23505";

  private final DataSource dataSource;

  @Inject
  public RolloutStore(AgroalDataSource dataSource) {
    this((DataSource) dataSource);
  }

  /** On any data source whose connections are not enlisted in a JTA transaction. */
  public RolloutStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource);
  }

  /** A unit of work on the transaction's connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  <T> T inTransaction(Work<T> work) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(true);
        } catch (SQLException ignored) {
          // A broken connection: the pool discards it; the first error is the one to report.
        }
      }
    }
  }

  /**
   * The rollout of {@code commit} for the environment: the active one when it is for this commit;
   * the latest one when that is for this commit, whatever its phase (a commit that failed is not
   * retried until the spec names another); else a new one, which supersedes an active rollout of
   * another commit (that one ends aborted, "superseded by ..."). Any number of agents may call it
   * at once: one rollout is created, the others read it.
   */
  public RolloutState ensure(
      String environment,
      String commit,
      String previousCommit,
      Collection<String> placedNodes,
      RolloutPolicy policy)
      throws SQLException {
    return ensure(environment, commit, previousCommit, placedNodes, policy, ANY);
  }

  /**
   * As {@link #ensure(String, String, String, Collection, RolloutPolicy)}, but a rollout of another
   * commit is followed or superseded only when it is the environment's latest rollout {@code
   * latestSeen} (0: none) that the caller checked its desired commit against; when a newer one
   * exists, that one is answered as it is (its commit is not {@code commit}) and nothing changes.
   * An agent whose spec view is older than another agent's rollout must never replace it.
   */
  public RolloutState ensure(
      String environment,
      String commit,
      String previousCommit,
      Collection<String> placedNodes,
      RolloutPolicy policy,
      long latestSeen)
      throws SQLException {
    if (placedNodes.isEmpty()) {
      throw new IllegalArgumentException(
          "rollout of " + environment + " at " + commit + ": no node is placed");
    }
    RolloutPlan plan = RolloutPlan.of(placedNodes, policy);
    for (int attempt = 1; ; attempt++) {
      try {
        return inTransaction(
            c -> ensure(c, environment, commit, previousCommit, plan, policy, latestSeen));
      } catch (SQLException e) {
        // Another agent created the active rollout between our read and our insert: read it.
        if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt >= ENSURE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** {@code latestSeen} of an unguarded {@link #ensure}: any rollout may be superseded. */
  static final long ANY = -1;

  RolloutState ensure(
      Connection c,
      String environment,
      String commit,
      String previousCommit,
      RolloutPlan plan,
      RolloutPolicy policy,
      long latestSeen)
      throws SQLException {
    Optional<Row> active = RolloutRows.lockActive(c, environment);
    if (active.isPresent() && active.get().commit().equals(commit)) {
      return RolloutRows.byId(c, active.get().id()).orElseThrow();
    }
    if (active.isPresent() && latestSeen != ANY && active.get().id() != latestSeen) {
      // Started after the caller read its spec: the caller's commit may be the older one.
      return RolloutRows.byId(c, active.get().id()).orElseThrow();
    }
    if (active.isEmpty()) {
      Optional<RolloutState> latest = RolloutRows.latest(c, environment);
      if (latest.isPresent() && latest.get().commit().equals(commit)) {
        return latest.get();
      }
      if (latest.isPresent() && latestSeen != ANY && latest.get().id() != latestSeen) {
        return latest.get();
      }
    } else {
      stop(
          c,
          active.get(),
          RolloutPhase.ABORTED,
          null,
          "superseded",
          Reasons.ROLLOUT_SUPERSEDED + ": superseded by " + commit);
    }
    long id;
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into rollout (environment, commit, previous_commit, phase, canary,"
                + " max_parallel, min_healthy_seconds, progress_deadline_seconds, max_failures,"
                + " auto_revert) values (?, ?, ?, 'progressing', ?, ?, ?, ?, ?, ?) returning id")) {
      ps.setString(1, environment);
      ps.setString(2, commit);
      ps.setString(3, previousCommit);
      ps.setInt(4, plan.canary());
      ps.setInt(5, plan.maxParallel());
      ps.setInt(6, seconds(policy.minHealthyTime()));
      ps.setInt(7, seconds(policy.progressDeadline()));
      ps.setInt(8, policy.maxFailures());
      ps.setBoolean(9, policy.autoRevert());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into rollout_node (rollout_id, node, wave, state) values (?, ?, ?,"
                + " 'pending')")) {
      for (int w = 0; w < plan.waves().size(); w++) {
        for (String node : plan.waves().get(w)) {
          ps.setLong(1, id);
          ps.setString(2, node);
          ps.setInt(3, w);
          ps.addBatch();
        }
      }
      ps.executeBatch();
    }
    notify(c, environment);
    return RolloutRows.byId(c, id).orElseThrow();
  }

  /**
   * May {@code node} start updating now? PROCEED moves it to updating (and again PROCEED after a
   * crash, to resume); WAIT while its wave has not come, the wave is full or the rollout is paused;
   * DONE, REVERT or STOPPED otherwise.
   *
   * @param previousCommit what the node serves now, to go back to on a revert (may be null)
   */
  public RolloutStep admit(long rolloutId, String node, String previousCommit) throws SQLException {
    return inTransaction(c -> admit(c, rolloutId, node, previousCommit));
  }

  RolloutStep admit(Connection c, long rolloutId, String node, String previousCommit)
      throws SQLException {
    Row r = lockOrFail(c, rolloutId);
    Optional<NodeRow> found = RolloutRows.node(c, rolloutId, node);
    if (found.isEmpty()) {
      return RolloutStep.of(Decision.STOPPED, node + " is not part of rollout #" + rolloutId);
    }
    NodeRow n = found.get();
    RolloutStep settled = settled(r, n);
    if (settled != null) {
      return settled;
    }
    // A pending node of a running rollout.
    if (r.phase() == RolloutPhase.PAUSED) {
      return RolloutStep.of(Decision.WAIT, "rollout #" + rolloutId + " is paused");
    }
    if (n.wave() > r.currentWave()) {
      return RolloutStep.of(
          Decision.WAIT,
          "wave " + n.wave() + " waits for wave " + r.currentWave() + " to become stable");
    }
    int limit = n.wave() == 0 ? r.canary() : r.maxParallel();
    int updating = RolloutRows.count(c, rolloutId, "wave = ? and state = 'updating'", n.wave());
    if (updating >= limit) {
      return RolloutStep.of(
          Decision.WAIT, updating + " node(s) of wave " + n.wave() + " are updating already");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout_node set state = 'updating', started_at = clock_timestamp(),"
                + " previous_commit = ? where rollout_id = ? and node = ?")) {
      ps.setString(1, previousCommit);
      ps.setLong(2, rolloutId);
      ps.setString(3, node);
      ps.executeUpdate();
    }
    // Taking a slot changes no other agent's answer: no notify.
    touch(c, rolloutId);
    return RolloutStep.of(Decision.PROCEED, "admitted in wave " + n.wave());
  }

  /**
   * The answer for a node that is not pending in a running rollout, or null when it is: what a
   * crash-restarted or late agent does with this rollout.
   */
  private static RolloutStep settled(Row r, NodeRow n) {
    RolloutNodeState s = n.state();
    if (s == RolloutNodeState.FAILED) {
      return RolloutStep.of(Decision.STOPPED, n.node() + " failed in this rollout");
    }
    if (s == RolloutNodeState.REVERTED || s == RolloutNodeState.SKIPPED) {
      return RolloutStep.of(Decision.STOPPED, n.node() + " is " + s.wire());
    }
    if (r.phase() == RolloutPhase.REVERTING) {
      return s == RolloutNodeState.PENDING
          ? RolloutStep.of(Decision.STOPPED, "rollout #" + r.id() + " is reverting")
          : RolloutStep.of(Decision.REVERT, "rollout #" + r.id() + " is reverting");
    }
    boolean running = r.phase() == RolloutPhase.PROGRESSING || r.phase() == RolloutPhase.PAUSED;
    if (s == RolloutNodeState.STABLE || (s == RolloutNodeState.HEALTHY && !running)) {
      return RolloutStep.of(Decision.DONE, n.node() + " serves " + r.commit());
    }
    if (!running) {
      return RolloutStep.of(Decision.STOPPED, "rollout #" + r.id() + " is " + r.phase().wire());
    }
    if (s == RolloutNodeState.UPDATING || s == RolloutNodeState.HEALTHY) {
      // A restarted agent redoes its (idempotent) update and reports again.
      return RolloutStep.of(Decision.PROCEED, n.node() + " was admitted already: resume");
    }
    return null;
  }

  /** The answer for a node not in the state a call expects: settled, else STOPPED. */
  private static RolloutStep notAt(Row r, NodeRow n, String what) {
    RolloutStep settled = settled(r, n);
    return settled != null && settled.decision() != Decision.PROCEED
        ? settled
        : RolloutStep.of(Decision.STOPPED, n.node() + " " + what);
  }

  /**
   * Before the switch: does this node's build agree with the first build recorded in the rollout
   * (the canary's)? Records the node's build id and static file digest either way; a mismatch fails
   * the node (reason BuildMismatch) and answers STOPPED.
   */
  public RolloutStep checkBuild(long rolloutId, String node, String buildId, String staticDigest)
      throws SQLException {
    return inTransaction(c -> checkBuild(c, rolloutId, node, buildId, staticDigest));
  }

  RolloutStep checkBuild(
      Connection c, long rolloutId, String node, String buildId, String staticDigest)
      throws SQLException {
    Row r = lockOrFail(c, rolloutId);
    NodeRow n = nodeOrFail(c, rolloutId, node);
    if (n.state() != RolloutNodeState.UPDATING) {
      return notAt(r, n, "was not admitted");
    }
    if (r.phase() != RolloutPhase.PROGRESSING && r.phase() != RolloutPhase.PAUSED) {
      // Stopped before this node switched: it has nothing to put back.
      String why =
          "rollout #" + rolloutId + " is " + r.phase().wire() + ": stopped before its switch";
      finishNode(c, rolloutId, node, RolloutNodeState.SKIPPED, why);
      finishRevertIfDone(c, rolloutId);
      touch(c, rolloutId);
      notifyIfAnswersChanged(c, r);
      return RolloutStep.of(Decision.STOPPED, why);
    }
    String refNode = null;
    String refBuild = null;
    String refDigest = null;
    try (PreparedStatement ps =
        c.prepareStatement(
            "select node, build_id, static_digest from rollout_node where rollout_id = ? and"
                + " node <> ? and state <> 'failed' and (build_id is not null or static_digest"
                + " is not null) order by started_at, node limit 1")) {
      ps.setLong(1, rolloutId);
      ps.setString(2, node);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          refNode = rs.getString(1);
          refBuild = rs.getString(2);
          refDigest = rs.getString(3);
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout_node set build_id = ?, static_digest = ? where rollout_id = ? and"
                + " node = ?")) {
      ps.setString(1, buildId);
      ps.setString(2, staticDigest);
      ps.setLong(3, rolloutId);
      ps.setString(4, node);
      ps.executeUpdate();
    }
    if (refNode == null
        || (Objects.equals(refBuild, buildId) && Objects.equals(refDigest, staticDigest))) {
      return RolloutStep.of(Decision.PROCEED, "build agrees");
    }
    String reason =
        Reasons.BUILD_MISMATCH
            + ": "
            + node
            + " built "
            + describe(buildId, staticDigest)
            + " but "
            + refNode
            + " built "
            + describe(refBuild, refDigest)
            + " for "
            + r.commit()
            + " (pin the build id: see docs/fleet.md)";
    fail(c, r, node, "build-check", reason);
    notifyIfAnswersChanged(c, r);
    return RolloutStep.of(Decision.STOPPED, reason);
  }

  private static String describe(String buildId, String digest) {
    return "build id " + buildId + " with static files " + digest;
  }

  /**
   * The node serves the commit and passed its health check: updating -> healthy. PROCEED (call
   * {@link #stable} after {@code retryAfter}), or REVERT when the rollout is reverting meanwhile.
   */
  public RolloutStep healthy(long rolloutId, String node) throws SQLException {
    return inTransaction(c -> healthy(c, rolloutId, node));
  }

  RolloutStep healthy(Connection c, long rolloutId, String node) throws SQLException {
    Row r = lockOrFail(c, rolloutId);
    NodeRow n = nodeOrFail(c, rolloutId, node);
    if (n.state() == RolloutNodeState.HEALTHY && r.phase() != RolloutPhase.REVERTING) {
      return settled(r, n).decision() == Decision.PROCEED
          ? RolloutStep.of(Decision.PROCEED, "healthy", Duration.ofSeconds(r.minHealthySeconds()))
          : settled(r, n);
    }
    if (n.state() != RolloutNodeState.UPDATING) {
      return notAt(r, n, "was not admitted");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout_node set state = 'healthy', healthy_at = clock_timestamp() where"
                + " rollout_id = ? and node = ?")) {
      ps.setLong(1, rolloutId);
      ps.setString(2, node);
      ps.executeUpdate();
    }
    // Opens no wave and changes no phase: no notify.
    touch(c, rolloutId);
    return switch (r.phase()) {
      case REVERTING -> RolloutStep.of(Decision.REVERT, "rollout #" + rolloutId + " is reverting");
      case PROGRESSING, PAUSED ->
          RolloutStep.of(Decision.PROCEED, "healthy", Duration.ofSeconds(r.minHealthySeconds()));
      default ->
          RolloutStep.of(
              Decision.DONE, "rollout #" + rolloutId + " is " + r.phase().wire() + ": node stays");
    };
  }

  /**
   * The node stayed healthy: healthy -> stable once minHealthyTime has passed since {@link
   * #healthy} (WAIT with the time left before that). When the whole current wave is stable (or
   * failed within maxFailures) the next wave opens; after the last one the rollout succeeded.
   */
  public RolloutStep stable(long rolloutId, String node) throws SQLException {
    return inTransaction(c -> stable(c, rolloutId, node));
  }

  RolloutStep stable(Connection c, long rolloutId, String node) throws SQLException {
    Row r = lockOrFail(c, rolloutId);
    NodeRow n = nodeOrFail(c, rolloutId, node);
    if (r.phase() == RolloutPhase.REVERTING && n.state().switched()) {
      return RolloutStep.of(Decision.REVERT, "rollout #" + rolloutId + " is reverting");
    }
    if (n.state() != RolloutNodeState.HEALTHY) {
      return notAt(r, n, "has not reported healthy");
    }
    long leftMillis;
    try (PreparedStatement ps =
        c.prepareStatement(
            "select ceil(extract(epoch from (healthy_at + make_interval(secs => ?)"
                + " - clock_timestamp())) * 1000)::bigint from rollout_node"
                + " where rollout_id = ? and node = ?")) {
      ps.setInt(1, r.minHealthySeconds());
      ps.setLong(2, rolloutId);
      ps.setString(3, node);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        leftMillis = rs.getLong(1);
      }
    }
    if (leftMillis > 0) {
      return RolloutStep.of(
          Decision.WAIT, "minHealthyTime not passed yet", Duration.ofMillis(leftMillis));
    }
    finishNode(c, rolloutId, node, RolloutNodeState.STABLE, null);
    if (r.phase() == RolloutPhase.PROGRESSING || r.phase() == RolloutPhase.PAUSED) {
      advance(c, r);
    }
    touch(c, rolloutId);
    notifyIfAnswersChanged(c, r);
    return RolloutStep.of(Decision.DONE, node + " is stable on " + r.commit());
  }

  /**
   * The node's update, health check or lease failed at {@code step}: the node is failed; past
   * maxFailures the rollout stops: aborted, or reverting when autoRevert is on. A node that fails
   * while reverting is failed too (its revert did not finish). Idempotent.
   */
  public RolloutState failed(long rolloutId, String node, String step, String reason)
      throws SQLException {
    return inTransaction(
        c -> {
          Row r = lockOrFail(c, rolloutId);
          NodeRow n = nodeOrFail(c, rolloutId, node);
          if (fail(c, r, node, step, reason)) {
            notifyIfAnswersChanged(c, r);
          }
          return RolloutRows.byId(c, rolloutId).orElseThrow();
        });
  }

  /** False when the node was already settled (failed, reverted, skipped). */
  private boolean fail(Connection c, Row r, String node, String step, String reason)
      throws SQLException {
    NodeRow n = nodeOrFail(c, r.id(), node);
    if (n.state() == RolloutNodeState.FAILED
        || n.state() == RolloutNodeState.REVERTED
        || n.state() == RolloutNodeState.SKIPPED) {
      return false;
    }
    boolean wasReverting = n.state() == RolloutNodeState.REVERTING;
    finishNode(
        c,
        r.id(),
        node,
        RolloutNodeState.FAILED,
        (wasReverting ? "revert: " : "") + step + ": " + reason);
    touch(c, r.id());
    if (r.phase() == RolloutPhase.PROGRESSING || r.phase() == RolloutPhase.PAUSED) {
      try (PreparedStatement ps =
          c.prepareStatement("update rollout set failures = failures + 1 where id = ?")) {
        ps.setLong(1, r.id());
        ps.executeUpdate();
      }
      if (r.failures() + 1 > r.maxFailures()) {
        stop(
            c,
            r,
            r.autoRevert() ? RolloutPhase.REVERTING : RolloutPhase.ABORTED,
            node,
            step,
            reason);
      } else {
        advance(c, r);
      }
    } else if (r.phase() == RolloutPhase.REVERTING) {
      finishRevertIfDone(c, r.id());
    }
    return true;
  }

  /**
   * Does this node have to go back? True (and the node is marked reverting) when the rollout is
   * reverting and the node may serve its commit; then call {@link #reverted} once it is back.
   */
  public boolean revertNeeded(long rolloutId, String node) throws SQLException {
    return inTransaction(
        c -> {
          Row r = lockOrFail(c, rolloutId);
          NodeRow n = nodeOrFail(c, rolloutId, node);
          boolean needed =
              r.phase() == RolloutPhase.REVERTING
                  && (n.state().switched() || n.state() == RolloutNodeState.UPDATING);
          if (needed && n.state() != RolloutNodeState.REVERTING) {
            // Only this node's own state: no other agent's answer changes, no notify.
            setState(c, rolloutId, node, RolloutNodeState.REVERTING);
            touch(c, rolloutId);
          }
          return needed;
        });
  }

  /** The node serves its previous release again; the last one back ends the rollout reverted. */
  public RolloutState reverted(long rolloutId, String node) throws SQLException {
    return inTransaction(
        c -> {
          Row r = lockOrFail(c, rolloutId);
          NodeRow n = nodeOrFail(c, rolloutId, node);
          if (n.state().switched() || n.state() == RolloutNodeState.UPDATING) {
            finishNode(c, rolloutId, node, RolloutNodeState.REVERTED, null);
            touch(c, rolloutId);
            if (r.phase() == RolloutPhase.REVERTING) {
              finishRevertIfDone(c, rolloutId);
            }
            notifyIfAnswersChanged(c, r);
          }
          return RolloutRows.byId(c, rolloutId).orElseThrow();
        });
  }

  /**
   * Any agent may call this periodically: a node updating (or healthy, not yet stable) in an active
   * rollout whose node lease has expired, and that was admitted longer than progressDeadline ago,
   * counts as failed (step "lease"). Reads the {@code node} table's lease ({@code renewed_at},
   * {@code lease_seconds}) by PostgreSQL's clock; a node with no row has no lease. Returns how many
   * nodes it failed.
   */
  public int expireLeases() throws SQLException {
    return inTransaction(
        c -> {
          // One agent at a time: the others skip instead of all scanning the same rows.
          try (PreparedStatement ps =
                  c.prepareStatement("select pg_try_advisory_xact_lock(hashtextextended(?, 0))");
              ResultSet rs = bind(ps, EXPIRE_LOCK).executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
              return 0;
            }
          }
          List<Long> ids = new ArrayList<>();
          List<String> names = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "select rn.rollout_id, rn.node " + EXPIRED + " order by 1, 2");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              ids.add(rs.getLong(1));
              names.add(rs.getString(2));
            }
          }
          int failed = 0;
          for (int i = 0; i < ids.size(); i++) {
            if (expire(c, ids.get(i), names.get(i))) {
              failed++;
            }
          }
          return failed;
        });
  }

  /**
   * The advisory lock of {@link #expireLeases}, hashed as EnvironmentLock hashes an environment
   * name (which cannot contain ':', so the two never share a key).
   */
  static final String EXPIRE_LOCK = "sylvan:expireLeases";

  private static PreparedStatement bind(PreparedStatement ps, String key) throws SQLException {
    ps.setString(1, key);
    return ps;
  }

  private boolean expire(Connection c, long rolloutId, String node) throws SQLException {
    Row r = lockOrFail(c, rolloutId);
    // Re-checked under the lock: the agent may have renewed or finished meanwhile.
    try (PreparedStatement ps =
        c.prepareStatement("select 1 " + EXPIRED + " and rn.rollout_id = ? and rn.node = ?")) {
      ps.setLong(1, rolloutId);
      ps.setString(2, node);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
      }
    }
    NodeRow n = nodeOrFail(c, rolloutId, node);
    boolean changed =
        fail(
            c,
            r,
            node,
            "lease",
            Reasons.LEASE_EXPIRED
                + ": the lease of "
                + node
                + " expired and it did not finish within progressDeadline");
    if (changed) {
      notifyIfAnswersChanged(c, r);
    }
    return changed;
  }

  private static final String EXPIRED =
      "from rollout_node rn join rollout r on r.id = rn.rollout_id"
          + " left join node n on n.name = rn.node"
          + " where rn.state in ('updating', 'healthy') and r.phase in "
          + RolloutRows.ACTIVE_PHASES
          + " and rn.started_at + make_interval(secs => r.progress_deadline_seconds)"
          + " < clock_timestamp()"
          + " and (n.name is null"
          + " or n.renewed_at + make_interval(secs => n.lease_seconds) < clock_timestamp())";

  /** Stops admitting nodes (nodes already updating finish). Empty when nothing is active. */
  public Optional<RolloutState> pause(String environment) throws SQLException {
    return control(environment, RolloutPhase.PROGRESSING, RolloutPhase.PAUSED, "paused");
  }

  /** Admits nodes again after {@link #pause}. Empty when nothing is active. */
  public Optional<RolloutState> resume(String environment) throws SQLException {
    return control(environment, RolloutPhase.PAUSED, RolloutPhase.PROGRESSING, "resumed");
  }

  private Optional<RolloutState> control(
      String environment, RolloutPhase from, RolloutPhase to, String verb) throws SQLException {
    return inTransaction(
        c -> {
          Optional<Row> active = RolloutRows.lockActive(c, environment);
          if (active.isEmpty()) {
            return Optional.empty();
          }
          Row r = active.get();
          if (r.phase() != from && r.phase() != to) {
            throw new IllegalStateException(
                "rollout #"
                    + r.id()
                    + " of "
                    + environment
                    + " is "
                    + r.phase().wire()
                    + ": only a "
                    + from.wire()
                    + " rollout can be "
                    + verb);
          }
          if (r.phase() == from) {
            setPhase(c, r.id(), to);
            notify(c, environment);
          }
          return RolloutRows.byId(c, r.id());
        });
  }

  /**
   * Stops the active rollout on request: no further node starts; with autoRevert the switched nodes
   * go back. Empty when nothing is active; a reverting rollout is left as it is.
   */
  public Optional<RolloutState> abort(String environment, String requestedBy) throws SQLException {
    return inTransaction(
        c -> {
          Optional<Row> active = RolloutRows.lockActive(c, environment);
          if (active.isEmpty()) {
            return Optional.empty();
          }
          Row r = active.get();
          if (r.phase() != RolloutPhase.REVERTING) {
            stop(
                c,
                r,
                r.autoRevert() ? RolloutPhase.REVERTING : RolloutPhase.ABORTED,
                null,
                "abort",
                Reasons.ROLLOUT_ABORTED + ": aborted by " + requestedBy);
            notify(c, environment);
          }
          return RolloutRows.byId(c, r.id());
        });
  }

  /** The environment's active rollout (progressing, paused or reverting), if any. */
  public Optional<RolloutState> active(String environment) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return RolloutRows.active(c, environment);
    }
  }

  /** The environment's newest rollout, whatever its phase. */
  public Optional<RolloutState> latest(String environment) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return RolloutRows.latest(c, environment);
    }
  }

  public Optional<RolloutState> get(long rolloutId) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return RolloutRows.byId(c, rolloutId);
    }
  }

  // --- transitions on the locked row ---

  /** Ends admissions: pending nodes are skipped; reverting ends at once if nothing switched. */
  private void stop(
      Connection c, Row r, RolloutPhase phase, String node, String step, String reason)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout set phase = ?, failed_node = ?, failed_step = ?, failed_reason = ?,"
                + " updated_at = clock_timestamp(), finished_at = case when ? then null else"
                + " clock_timestamp() end where id = ?")) {
      ps.setString(1, phase.wire());
      ps.setString(2, node);
      ps.setString(3, step);
      ps.setString(4, reason);
      ps.setBoolean(5, phase == RolloutPhase.REVERTING);
      ps.setLong(6, r.id());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "update rollout_node set state = 'skipped' where rollout_id = ? and state ="
                + " 'pending'")) {
      ps.setLong(1, r.id());
      ps.executeUpdate();
    }
    if (phase == RolloutPhase.REVERTING) {
      finishRevertIfDone(c, r.id());
    }
    // The caller notifies (the phase changed): once per transaction.
  }

  /** Opens the next wave while the current one is settled; the rollout succeeds after the last. */
  private void advance(Connection c, Row r) throws SQLException {
    int wave = r.currentWave();
    while (RolloutRows.count(
            c, r.id(), "wave = ? and state not in ('stable', 'failed', 'skipped')", wave)
        == 0) {
      wave++;
      if (RolloutRows.count(c, r.id(), "wave >= ?", wave) == 0) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "update rollout set phase = 'succeeded', current_wave = ?, finished_at ="
                    + " clock_timestamp(), updated_at = clock_timestamp() where id = ?")) {
          ps.setInt(1, wave - 1);
          ps.setLong(2, r.id());
          ps.executeUpdate();
        }
        return;
      }
    }
    if (wave != r.currentWave()) {
      try (PreparedStatement ps =
          c.prepareStatement("update rollout set current_wave = ? where id = ?")) {
        ps.setInt(1, wave);
        ps.setLong(2, r.id());
        ps.executeUpdate();
      }
    }
  }

  /**
   * Ends a reverting rollout once no node may serve its commit any more: reverted when some node
   * went back, aborted when none had switched (nothing was put back).
   */
  private void finishRevertIfDone(Connection c, long rolloutId) throws SQLException {
    if (RolloutRows.count(c, rolloutId, "state in " + IN_FLIGHT, null) == 0) {
      boolean anyBack = RolloutRows.count(c, rolloutId, "state = 'reverted'", null) > 0;
      try (PreparedStatement ps =
          c.prepareStatement(
              "update rollout set phase = ?, finished_at = clock_timestamp(),"
                  + " updated_at = clock_timestamp() where id = ? and phase = 'reverting'")) {
        ps.setString(1, anyBack ? "reverted" : "aborted");
        ps.setLong(2, rolloutId);
        ps.executeUpdate();
      }
    }
  }

  /**
   * Notifies only when this transaction changed what another agent would be told, so that N agents
   * are not woken on every node step (O(N^2) per rollout): the phase changed (paused, resumed,
   * stopped, reverting: every switched node must now go back; finished) or a wave opened. A node
   * leaving "updating" frees no slot anyone waits for: no wave holds more nodes than its slots
   * ({@link RolloutPlan}), so all of a wave's nodes are admitted as soon as it opens.
   *
   * @param before the locked row as the transaction found it
   */
  private static void notifyIfAnswersChanged(Connection c, Row before) throws SQLException {
    Row after = RolloutRows.lock(c, before.id()).orElseThrow();
    if (after.phase() != before.phase() || after.currentWave() != before.currentWave()) {
      notify(c, before.environment());
    }
  }

  /** Queued in the transaction; PostgreSQL delivers it on commit and drops it on rollback. */
  static void notify(Connection c, String environment) throws SQLException {
    FleetEvents.publish(c, environment);
  }

  private static Row lockOrFail(Connection c, long rolloutId) throws SQLException {
    return RolloutRows.lock(c, rolloutId)
        .orElseThrow(() -> new IllegalArgumentException("no rollout #" + rolloutId));
  }

  private static NodeRow nodeOrFail(Connection c, long rolloutId, String node) throws SQLException {
    return RolloutRows.node(c, rolloutId, node)
        .orElseThrow(
            () -> new IllegalArgumentException(node + " is not part of rollout #" + rolloutId));
  }

  private static int seconds(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, (d.toMillis() + 999) / 1000);
  }
}
