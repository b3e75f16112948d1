package io.sylvan.operator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sylvan.operator.fleet.RolloutPolicy.Amount;
import io.sylvan.operator.fleet.RolloutState.NodeProgress;
import io.sylvan.operator.fleet.RolloutStep.Decision;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Rollouts on a real PostgreSQL with the operator's migrations, agents as threads on their own
 * connections (each agent has its own store and data source, as separate processes would).
 */
class RolloutStoreTest {

  static EmbeddedPostgres postgres;
  static DataSource dataSource;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    dataSource = postgres.getPostgresDatabase();
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    // The node table is V5's (node leases, built alongside): created here only when the
    // migrations did not, with the columns the design fixes for it.
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "create table if not exists node (name text primary key, instance_id text not null,"
              + " labels jsonb not null default '{}', operator_version text, started_at"
              + " timestamptz not null, renewed_at timestamptz not null, lease_seconds int not"
              + " null)");
    }
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  static final AtomicInteger ENVS = new AtomicInteger();

  static String environment() {
    return "fleet-env-" + ENVS.incrementAndGet();
  }

  static RolloutPolicy policy(int canary, int maxParallel, int minHealthySeconds, boolean revert) {
    return new RolloutPolicy(
        Amount.count(canary),
        Amount.count(maxParallel),
        Duration.ofSeconds(minHealthySeconds),
        Duration.ofMinutes(10),
        0,
        revert);
  }

  static List<String> nodes(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(prefix + "-" + i);
    }
    return out;
  }

  /** Registers the nodes with a live lease (or one that expired a minute ago). */
  static void lease(List<String> names, boolean live) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "insert into node (name, instance_id, started_at, renewed_at, lease_seconds)"
                    + " values (?, 'test', now(), now() - make_interval(secs => ?), 40)"
                    + " on conflict (name) do update set renewed_at = excluded.renewed_at")) {
      for (String n : names) {
        ps.setString(1, n);
        ps.setInt(2, live ? 0 : 60);
        ps.executeUpdate();
      }
    }
  }

  static void pause(long maxMillis) throws InterruptedException {
    Thread.sleep(ThreadLocalRandom.current().nextLong(maxMillis + 1));
  }

  /** What the agents of one rollout saw, collected across threads. */
  static final class Fleet {
    final Set<String> admitted = ConcurrentHashMap.newKeySet();
    final Set<String> switched = ConcurrentHashMap.newKeySet();
    final AtomicInteger updatingNow = new AtomicInteger();
    final AtomicInteger maxUpdating = new AtomicInteger();
  }

  /**
   * One node agent's loop for a rollout: ask admission; when admitted, "update" (random delay),
   * check the build, "switch", report healthy, wait out minHealthyTime and report stable; go back
   * when told to revert; return once the rollout is closed. {@code failAt} makes this node fail at
   * that step.
   */
  static void agent(Fleet fleet, long rolloutId, String node, String failAt) throws Exception {
    RolloutStore store = new RolloutStore(postgres.getPostgresDatabase());
    Instant giveUp = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(giveUp)) {
      if (ThreadLocalRandom.current().nextInt(4) == 0) {
        store.expireLeases(); // any agent may; nothing here is expired
      }
      RolloutStep step = store.admit(rolloutId, node, "old-commit");
      switch (step.decision()) {
        case WAIT -> pause(30);
        case STOPPED -> {
          return;
        }
        case DONE -> {
          // Done with its update, the agent keeps watching while the rollout is open: a later
          // failure elsewhere may still send this node back.
          if (!store.get(rolloutId).orElseThrow().phase().active()) {
            return;
          }
          pause(30);
        }
        case REVERT -> {
          revert(store, rolloutId, node);
          return;
        }
        case PROCEED -> {
          fleet.admitted.add(node);
          int now = fleet.updatingNow.incrementAndGet();
          fleet.maxUpdating.accumulateAndGet(now, Math::max);
          pause(40);
          if ("update".equals(failAt)) {
            fleet.updatingNow.decrementAndGet();
            store.failed(rolloutId, node, "install", "npm ci exited with 1");
            return;
          }
          RolloutStep build = store.checkBuild(rolloutId, node, "build-1", "digest-1");
          if (build.decision() != Decision.PROCEED) {
            fleet.updatingNow.decrementAndGet();
            return;
          }
          pause(20); // the switch
          fleet.updatingNow.decrementAndGet();
          RolloutStep healthy = store.healthy(rolloutId, node);
          fleet.switched.add(node);
          if (healthy.decision() == Decision.REVERT) {
            revert(store, rolloutId, node);
            return;
          }
          if ("health".equals(failAt)) {
            store.failed(rolloutId, node, "health-check", "http: 500");
            return;
          }
          while (true) {
            RolloutStep stable = store.stable(rolloutId, node);
            if (stable.decision() == Decision.WAIT) {
              Thread.sleep(Math.max(5, stable.retryAfter().toMillis()) + 5);
            } else if (stable.decision() == Decision.REVERT) {
              revert(store, rolloutId, node);
              return;
            } else {
              break;
            }
          }
        }
      }
    }
    throw new AssertionError(node + " did not finish within 60 s");
  }

  static void revert(RolloutStore store, long rolloutId, String node) throws Exception {
    if (store.revertNeeded(rolloutId, node)) {
      pause(20); // the activation of the previous release
      store.reverted(rolloutId, node);
    }
  }

  /** Runs one agent per node (failing the given node at the given step) and waits for all. */
  static Fleet runAgents(long rolloutId, List<String> nodes, String failingNode, String failAt)
      throws Exception {
    Fleet fleet = new Fleet();
    ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
    try {
      List<Future<?>> running = new ArrayList<>();
      for (String n : nodes) {
        running.add(
            pool.submit(
                () -> {
                  agent(fleet, rolloutId, n, n.equals(failingNode) ? failAt : null);
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get(90, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return fleet;
  }

  static List<String> namesWhere(RolloutState r, Predicate<NodeProgress> p) {
    return r.nodes().stream().filter(p).map(NodeProgress::node).sorted().toList();
  }

  @Test
  void concurrentAgentsUpdateWaveByWaveAndTheRolloutSucceeds() throws Exception {
    String env = environment();
    List<String> nodes = nodes("order", 5);
    lease(nodes, true);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "new-commit", "old-commit", nodes, policy(1, 2, 1, true));
    assertThat(r.waves()).isEqualTo(3);

    Fleet fleet = runAgents(r.id(), nodes, null, null);

    RolloutState done = store.get(r.id()).orElseThrow();
    assertThat(done.phase()).isEqualTo(RolloutPhase.SUCCEEDED);
    assertThat(done.finishedAt()).isNotNull();
    assertThat(done.nodes()).allMatch(n -> n.state() == RolloutNodeState.STABLE);
    assertThat(fleet.maxUpdating.get()).isBetween(1, 2);
    for (NodeProgress later : done.nodes()) {
      for (NodeProgress earlier : done.nodes()) {
        if (earlier.wave() < later.wave()) {
          // Admitted only after every node of every earlier wave was stable, and stable only
          // after minHealthyTime (both by PostgreSQL's clock).
          assertThat(later.startedAt())
              .as("%s (wave %d) vs %s", later.node(), later.wave(), earlier.node())
              .isAfterOrEqualTo(earlier.finishedAt())
              .isAfterOrEqualTo(earlier.healthyAt().plus(done.minHealthyTime()));
        }
        if (earlier != later && earlier.wave() != later.wave()) {
          // No two nodes of different waves were ever updating at the same time.
          assertThat(
                  later.startedAt().isBefore(earlier.healthyAt())
                      && earlier.startedAt().isBefore(later.healthyAt()))
              .as("%s and %s updating at once", later.node(), earlier.node())
              .isFalse();
        }
      }
    }
    assertThat(done.nodes()).allMatch(n -> "build-1".equals(n.buildId()));
    assertThat(done.nodes()).allMatch(n -> "old-commit".equals(n.previousCommit()));
  }

  @Test
  void aFailureOnTheCanaryAbortsAndNoOtherNodeIsEverAdmitted() throws Exception {
    String env = environment();
    List<String> nodes = nodes("canary", 4);
    lease(nodes, true);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "bad-commit", "old-commit", nodes, policy(1, 2, 0, true));

    Fleet fleet = runAgents(r.id(), nodes, "canary-1", "update");

    RolloutState done = store.get(r.id()).orElseThrow();
    assertThat(fleet.admitted).containsExactly("canary-1");
    assertThat(done.phase()).isEqualTo(RolloutPhase.ABORTED);
    assertThat(done.failures()).isEqualTo(1);
    assertThat(done.failedNode()).isEqualTo("canary-1");
    assertThat(done.failedStep()).isEqualTo("install");
    assertThat(done.failedReason()).isEqualTo("npm ci exited with 1");
    assertThat(done.node("canary-1").orElseThrow().state()).isEqualTo(RolloutNodeState.FAILED);
    assertThat(namesWhere(done, n -> n.state() == RolloutNodeState.SKIPPED))
        .containsExactly("canary-2", "canary-3", "canary-4");
    assertThat(namesWhere(done, n -> n.startedAt() != null)).containsExactly("canary-1");
    // The commit is not retried: the same rollout comes back, stopped.
    RolloutState again =
        store.ensure(env, "bad-commit", "old-commit", nodes, policy(1, 2, 0, true));
    assertThat(again.id()).isEqualTo(r.id());
    assertThat(store.admit(r.id(), "canary-2", "old-commit").decision())
        .isEqualTo(Decision.STOPPED);
  }

  @Test
  void aFailureInTheSecondWaveRevertsExactlyTheNodesThatSwitched() throws Exception {
    String env = environment();
    List<String> nodes = nodes("wave", 5); // waves: [1], [2, 3], [4, 5]
    lease(nodes, true);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "bad-commit", "old-commit", nodes, policy(1, 2, 0, true));

    Fleet fleet = runAgents(r.id(), nodes, "wave-3", "health");

    RolloutState done = store.get(r.id()).orElseThrow();
    assertThat(done.phase()).isEqualTo(RolloutPhase.REVERTED);
    assertThat(done.failedNode()).isEqualTo("wave-3");
    assertThat(done.failedStep()).isEqualTo("health-check");
    assertThat(fleet.switched).contains("wave-1", "wave-3");
    Set<String> switchedAndKept = ConcurrentHashMap.newKeySet();
    switchedAndKept.addAll(fleet.switched);
    switchedAndKept.remove("wave-3"); // its own pipeline rolled it back; it is failed
    assertThat(namesWhere(done, n -> n.state() == RolloutNodeState.REVERTED))
        .containsExactlyInAnyOrderElementsOf(switchedAndKept);
    assertThat(done.node("wave-3").orElseThrow().state()).isEqualTo(RolloutNodeState.FAILED);
    assertThat(namesWhere(done, n -> n.startedAt() != null)).doesNotContain("wave-4", "wave-5");
    assertThat(fleet.admitted).doesNotContain("wave-4", "wave-5");
  }

  @Test
  void concurrentEnsureForTheSameCommitCreatesOneRollout() throws Exception {
    String env = environment();
    List<String> nodes = nodes("ensure", 3);
    int agents = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    List<Future<Long>> ids = new ArrayList<>();
    try {
      for (int i = 0; i < agents; i++) {
        ids.add(
            pool.submit(
                () -> {
                  RolloutStore own = new RolloutStore(postgres.getPostgresDatabase());
                  start.await();
                  return own.ensure(env, "c1", "c0", nodes, RolloutPolicy.DEFAULT).id();
                }));
      }
      start.countDown();
      Set<Long> distinct = ConcurrentHashMap.newKeySet();
      for (Future<Long> f : ids) {
        distinct.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(distinct).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("select count(*) from rollout where environment = '" + env + "'"))
        .isEqualTo(1);
    assertThat(
            count(
                "select count(*) from rollout_node rn join rollout r on r.id = rn.rollout_id"
                    + " where r.environment = '"
                    + env
                    + "'"))
        .isEqualTo(3);
  }

  @Test
  void aNewCommitSupersedesTheActiveRollout() throws Exception {
    String env = environment();
    List<String> nodes = nodes("super", 3);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState first = store.ensure(env, "c1", "c0", nodes, policy(1, 1, 0, true));
    assertThat(store.admit(first.id(), "super-1", "c0").decision()).isEqualTo(Decision.PROCEED);

    RolloutState second = store.ensure(env, "c2", "c0", nodes, policy(1, 1, 0, true));

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(second.phase()).isEqualTo(RolloutPhase.PROGRESSING);
    RolloutState old = store.get(first.id()).orElseThrow();
    assertThat(old.phase()).isEqualTo(RolloutPhase.ABORTED);
    assertThat(old.failedStep()).isEqualTo("superseded");
    assertThat(old.failedReason()).contains("superseded by c2");
    assertThat(namesWhere(old, n -> n.state() == RolloutNodeState.SKIPPED))
        .containsExactly("super-2", "super-3");
    assertThat(store.active(env).orElseThrow().id()).isEqualTo(second.id());
    assertThat(store.latest(env).orElseThrow().commit()).isEqualTo("c2");
    // The old rollout's node is told to stop before it switches.
    assertThat(store.checkBuild(first.id(), "super-1", "b", "d").decision())
        .isEqualTo(Decision.STOPPED);
  }

  @Test
  void anAgentWithAnOlderSpecViewNeverSupersedesARolloutStartedAfterItLooked() throws Exception {
    String env = environment();
    List<String> nodes = nodes("stale", 3);
    RolloutStore store = new RolloutStore(dataSource);
    // c1 failed on the canary: its rollout ended, and every agent saw it as the latest.
    RolloutState failed = store.ensure(env, "c1", "c0", nodes, policy(1, 1, 0, true));
    store.admit(failed.id(), "stale-1", "c0");
    store.failed(failed.id(), "stale-1", "health", "500");
    long seenByStale = store.latest(env).orElseThrow().id();
    // An agent that read the new spec starts c2; its canary is admitted.
    RolloutState fresh = store.ensure(env, "c2", "c0", nodes, policy(1, 1, 0, true), seenByStale);
    assertThat(fresh.commit()).isEqualTo("c2");
    assertThat(store.admit(fresh.id(), "stale-1", "c0").decision()).isEqualTo(Decision.PROCEED);

    // An agent still on the old spec (woken by c2's notify before its poll) asks for c1 again,
    // having checked its spec against the rollout of c1 only: it gets c2's rollout, unchanged.
    RolloutState answered =
        store.ensure(env, "c1", "c0", nodes, policy(1, 1, 0, true), seenByStale);

    assertThat(answered.id()).isEqualTo(fresh.id());
    assertThat(answered.commit()).isEqualTo("c2");
    assertThat(store.active(env).orElseThrow().id()).isEqualTo(fresh.id());
    assertThat(store.active(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PROGRESSING);
    assertThat(store.checkBuild(fresh.id(), "stale-1", "b", "d").decision())
        .isEqualTo(Decision.PROCEED);
    // Once it has checked its spec against c2's rollout, a commit it still names supersedes it.
    RolloutState third = store.ensure(env, "c3", "c2", nodes, policy(1, 1, 0, true), fresh.id());
    assertThat(third.commit()).isEqualTo("c3");
    assertThat(store.get(fresh.id()).orElseThrow().phase()).isEqualTo(RolloutPhase.ABORTED);
  }

  @Test
  void pauseStopsAdmissionsAndResumeContinues() throws Exception {
    String env = environment();
    List<String> nodes = nodes("pause", 3);
    RolloutStore store = new RolloutStore(dataSource);
    assertThat(store.pause(env)).isEmpty();
    RolloutState r = store.ensure(env, "c1", "c0", nodes, policy(1, 1, 0, true));
    assertThat(store.admit(r.id(), "pause-1", "c0").decision()).isEqualTo(Decision.PROCEED);

    assertThat(store.pause(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PAUSED);

    // The node already admitted finishes; the wave opens; no new node starts.
    assertThat(store.admit(r.id(), "pause-1", "c0").decision()).isEqualTo(Decision.PROCEED);
    assertThat(store.healthy(r.id(), "pause-1").decision()).isEqualTo(Decision.PROCEED);
    assertThat(store.stable(r.id(), "pause-1").decision()).isEqualTo(Decision.DONE);
    assertThat(store.get(r.id()).orElseThrow().currentWave()).isEqualTo(1);
    RolloutStep held = store.admit(r.id(), "pause-2", "c0");
    assertThat(held.decision()).isEqualTo(Decision.WAIT);
    assertThat(held.reason()).contains("paused");
    assertThat(store.pause(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PAUSED);

    assertThat(store.resume(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PROGRESSING);

    assertThat(store.admit(r.id(), "pause-2", "c0").decision()).isEqualTo(Decision.PROCEED);
    assertThat(store.admit(r.id(), "pause-3", "c0").decision()).isEqualTo(Decision.WAIT);
  }

  @Test
  void abortWithAutoRevertSendsTheSwitchedNodesBackAndPauseThenRefusesClearly() throws Exception {
    String env = environment();
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "c1", "c0", nodes("abort", 2), policy(1, 1, 0, true));
    store.admit(r.id(), "abort-1", "c0");
    store.healthy(r.id(), "abort-1");

    RolloutState aborted = store.abort(env, "the API").orElseThrow();

    assertThat(aborted.phase()).isEqualTo(RolloutPhase.REVERTING);
    assertThat(aborted.failedReason()).contains("RolloutAborted", "the API");
    assertThatThrownBy(() -> store.pause(env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is reverting: only a progressing rollout can be paused");
    assertThat(store.admit(r.id(), "abort-1", "c0").decision()).isEqualTo(Decision.REVERT);
    assertThat(store.revertNeeded(r.id(), "abort-1")).isTrue();
    assertThat(store.revertNeeded(r.id(), "abort-2")).isFalse();
    assertThat(store.reverted(r.id(), "abort-1").phase()).isEqualTo(RolloutPhase.REVERTED);
    assertThat(store.active(env)).isEmpty();
  }

  @Test
  void aNodeWhoseBuildDiffersFromTheCanarysFailsBeforeItsSwitch() throws Exception {
    String env = environment();
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "c1", "c0", nodes("build", 2), policy(1, 1, 0, false));
    store.admit(r.id(), "build-1", "c0");
    assertThat(store.checkBuild(r.id(), "build-1", "id-A", "files-1").decision())
        .isEqualTo(Decision.PROCEED);
    store.healthy(r.id(), "build-1");
    store.stable(r.id(), "build-1");
    store.admit(r.id(), "build-2", "c0");

    RolloutStep step = store.checkBuild(r.id(), "build-2", "id-B", "files-1");

    assertThat(step.decision()).isEqualTo(Decision.STOPPED);
    assertThat(step.reason()).contains("BuildMismatch", "build-2", "id-B", "build-1", "id-A");
    RolloutState done = store.get(r.id()).orElseThrow();
    assertThat(done.phase()).isEqualTo(RolloutPhase.ABORTED);
    assertThat(done.failedNode()).isEqualTo("build-2");
    assertThat(done.failedStep()).isEqualTo("build-check");
  }

  @Test
  void expireLeasesFailsAnUpdatingNodeWhoseLeaseExpiredPastTheProgressDeadline() throws Exception {
    String env = environment();
    List<String> nodes = nodes("lease", 2);
    lease(List.of("lease-1"), false);
    lease(List.of("lease-2"), true);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutPolicy policy =
        new RolloutPolicy(
            Amount.count(2), Amount.count(1), Duration.ZERO, Duration.ofSeconds(1), 0, true);
    RolloutState r = store.ensure(env, "c1", "c0", nodes, policy);
    store.admit(r.id(), "lease-1", "c0");
    store.admit(r.id(), "lease-2", "c0");

    assertThat(store.expireLeases()).as("within progressDeadline").isZero();
    Thread.sleep(1_200);
    int expired = store.expireLeases();

    assertThat(expired).isEqualTo(1);
    RolloutState after = store.get(r.id()).orElseThrow();
    NodeProgress dead = after.node("lease-1").orElseThrow();
    assertThat(dead.state()).isEqualTo(RolloutNodeState.FAILED);
    assertThat(dead.error()).contains("lease", "LeaseExpired");
    assertThat(after.node("lease-2").orElseThrow().state()).isEqualTo(RolloutNodeState.UPDATING);
    assertThat(after.phase()).isEqualTo(RolloutPhase.REVERTING);
    assertThat(after.failedNode()).isEqualTo("lease-1");
    assertThat(store.expireLeases()).as("a second call finds nothing more").isZero();
  }

  @Test
  void aNotifyArrivesOnAListenConnectionOnlyAfterCommit() throws Exception {
    String env = environment();
    RolloutStore store = new RolloutStore(dataSource);
    RolloutState r = store.ensure(env, "c1", "c0", nodes("notify", 3), policy(1, 1, 0, true));
    store.admit(r.id(), "notify-1", "c0");
    store.healthy(r.id(), "notify-1");
    try (Connection listener = dataSource.getConnection()) {
      try (Statement s = listener.createStatement()) {
        s.execute("listen " + RolloutStore.CHANNEL);
      }
      PGConnection pg = listener.unwrap(PGConnection.class);
      try (Connection tx = dataSource.getConnection()) {
        tx.setAutoCommit(false);
        // The canary turns stable: wave 1 opens, which changes the other agents' answer.
        assertThat(store.stable(tx, r.id(), "notify-1").decision()).isEqualTo(Decision.DONE);

        assertThat(received(pg, 300)).as("before commit").isEmpty();
        tx.commit();
        assertThat(received(pg, 5_000)).as("after commit").containsExactly(env);

        assertThat(store.admit(tx, r.id(), "notify-2", "c0").decision())
            .isEqualTo(Decision.PROCEED);
        assertThat(store.healthy(tx, r.id(), "notify-2").decision()).isEqualTo(Decision.PROCEED);
        tx.commit();
        assertThat(received(pg, 300)).as("steps that open nothing wake nobody").isEmpty();

        assertThat(store.stable(tx, r.id(), "notify-2").decision()).isEqualTo(Decision.DONE);
        tx.rollback();
        assertThat(received(pg, 300)).as("after rollback").isEmpty();

        assertThat(store.stable(tx, r.id(), "notify-2").decision()).isEqualTo(Decision.DONE);
        assertThat(received(pg, 300)).as("before the second commit").isEmpty();
        tx.commit();
        assertThat(received(pg, 5_000)).as("after the second commit").containsExactly(env);
      }
    }
  }

  @Test
  void onlyStepsThatCanChangeAnotherAgentsAnswerNotify() throws Exception {
    String env = environment();
    RolloutStore store = new RolloutStore(dataSource);
    // Wave 0: quiet-1; wave 1: quiet-2, quiet-3; wave 2: quiet-4.
    RolloutState r = store.ensure(env, "c1", "c0", nodes("quiet", 4), policy(1, 2, 0, true));
    try (Connection listener = dataSource.getConnection()) {
      try (Statement s = listener.createStatement()) {
        s.execute("listen " + RolloutStore.CHANNEL);
      }
      PGConnection pg = listener.unwrap(PGConnection.class);

      assertThat(store.admit(r.id(), "quiet-2", "c0").decision()).isEqualTo(Decision.WAIT);
      store.admit(r.id(), "quiet-1", "c0");
      store.checkBuild(r.id(), "quiet-1", "b", "d");
      store.healthy(r.id(), "quiet-1");
      assertThat(received(pg, 300)).as("admit, build check, healthy of the canary").isEmpty();

      store.stable(r.id(), "quiet-1");
      assertThat(received(pg, 5_000)).as("wave 1 opened").containsExactly(env);

      store.admit(r.id(), "quiet-2", "c0");
      store.admit(r.id(), "quiet-3", "c0");
      assertThat(store.admit(r.id(), "quiet-4", "c0").decision()).isEqualTo(Decision.WAIT);
      store.healthy(r.id(), "quiet-2");
      store.stable(r.id(), "quiet-2");
      assertThat(received(pg, 300)).as("steps inside wave 1, which stays open").isEmpty();

      store.failed(r.id(), "quiet-3", "health-check", "http: 500");
      assertThat(received(pg, 5_000))
          .as("reverting: switched nodes must go back")
          .containsExactly(env);
      assertThat(store.revertNeeded(r.id(), "quiet-1")).isTrue();
      assertThat(received(pg, 300)).as("one node starting its revert").isEmpty();
    }
  }

  @Test
  void expireLeasesSkipsWhileAnotherAgentIsScanning() throws Exception {
    String env = environment();
    lease(List.of("scan-1"), false);
    RolloutStore store = new RolloutStore(dataSource);
    RolloutPolicy policy =
        new RolloutPolicy(
            Amount.count(1), Amount.count(1), Duration.ZERO, Duration.ofSeconds(1), 0, false);
    RolloutState r = store.ensure(env, "c1", "c0", List.of("scan-1"), policy);
    store.admit(r.id(), "scan-1", "c0");
    Thread.sleep(1_200);
    try (Connection other = dataSource.getConnection()) {
      other.setAutoCommit(false);
      try (PreparedStatement ps =
          other.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
        ps.setString(1, RolloutStore.EXPIRE_LOCK);
        ps.execute();
      }

      assertThat(store.expireLeases()).as("another agent holds the scan").isZero();
      assertThat(store.get(r.id()).orElseThrow().node("scan-1").orElseThrow().state())
          .isEqualTo(RolloutNodeState.UPDATING);
      other.commit();
    }
    assertThat(store.expireLeases()).as("the scan is free again").isPositive();
    assertThat(store.get(r.id()).orElseThrow().node("scan-1").orElseThrow().state())
        .isEqualTo(RolloutNodeState.FAILED);
  }

  static List<String> received(PGConnection pg, int timeoutMillis) throws Exception {
    PGNotification[] got = pg.getNotifications(timeoutMillis);
    List<String> payloads = new ArrayList<>();
    if (got != null) {
      for (PGNotification n : got) {
        if (n.getName().equals(RolloutStore.CHANNEL)) {
          payloads.add(n.getParameter());
        }
      }
    }
    return payloads;
  }

  static long count(String sql) throws Exception {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
