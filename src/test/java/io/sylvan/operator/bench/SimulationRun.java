package io.sylvan.operator.bench;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.AgroalDataSourceMetrics;
import io.sylvan.operator.fleet.FleetEvents;
import io.sylvan.operator.fleet.NodeLease;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStep;
import io.sylvan.operator.fleet.RolloutStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/** One simulated rollout over N agents; see {@link FleetSimulation}. */
final class SimulationRun {

  private static final String COMMIT = "c0ffee2";
  private static final String PREVIOUS = "c0ffee1";

  private final int n;
  private final FleetSimulation.Options opts;
  private final AgroalDataSource pool;
  private final CountingDataSource counted;
  private final DataSource admin;
  private final RolloutStore store;
  private final FleetEvents events;
  private final String environment;
  private final RolloutPolicy policy;
  private final List<String> names = new ArrayList<>();
  private final List<Agent> agents = new ArrayList<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, daemon("t"));
  // Lease renewals run on threads of their own, as NodeRegistry's scheduler does.
  private final ScheduledExecutorService leaseThreads =
      Executors.newScheduledThreadPool(4, daemon("lease"));
  private final CountDownLatch finished;
  private final LongAdder renewals = new LongAdder();
  private final LongAdder renewFailures = new LongAdder();
  private final LongAdder expireCalls = new LongAdder();
  private final LongAdder wakes = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder admits = new LongAdder();
  private final LongAdder doneReads = new LongAdder();
  private volatile String firstError;
  private volatile boolean stopping;

  SimulationRun(
      int n,
      FleetSimulation.Options opts,
      AgroalDataSource pool,
      FleetEvents events,
      DataSource admin) {
    this.n = n;
    this.opts = opts;
    this.pool = pool;
    this.counted = new CountingDataSource(pool);
    this.admin = admin;
    this.store = new RolloutStore(counted);
    this.events = events;
    this.environment = "sim-" + n;
    this.policy = opts.policy();
    this.workers = Executors.newFixedThreadPool(opts.workers(), daemon("agent"));
    this.finished = new CountDownLatch(n);
    for (int i = 1; i <= n; i++) {
      names.add(String.format(Locale.ROOT, "node-%04d", i));
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicLong count = new AtomicLong();
    return r -> {
      Thread t = new Thread(null, r, "sim-" + prefix + "-" + count.incrementAndGet(), 256 * 1024);
      t.setDaemon(true);
      return t;
    };
  }

  Result run() throws Exception {
    for (String name : names) {
      agents.add(new Agent(name));
    }
    // Registration: every agent takes its node name (concurrently, through the pool).
    long regStart = System.nanoTime();
    CountDownLatch registered = new CountDownLatch(n);
    for (Agent a : agents) {
      workers.execute(
          () -> {
            try {
              if (!a.lease.tick()) {
                error(new IllegalStateException(a.name + " could not register"));
              }
            } catch (Exception e) {
              error(e);
            } finally {
              registered.countDown();
            }
          });
    }
    registered.await();
    double registerSeconds = (System.nanoTime() - regStart) / 1e9;
    for (Agent a : agents) {
      long offset = ThreadLocalRandom.current().nextLong(opts.renewSeconds() * 1000L);
      leaseThreads.scheduleAtFixedRate(
          a::renew, offset, opts.renewSeconds() * 1000L, TimeUnit.MILLISECONDS);
      long expireOffset = ThreadLocalRandom.current().nextLong(opts.expireEverySeconds() * 1000L);
      timers.scheduleAtFixedRate(
          () -> workers.execute(a::expire),
          expireOffset,
          opts.expireEverySeconds() * 1000L,
          TimeUnit.MILLISECONDS);
    }
    events.onEnvironment(
        env -> {
          if (env.equals(environment) && !stopping) {
            for (Agent a : agents) {
              a.wake();
            }
          }
        });
    Sampler sampler = new Sampler();
    Thread samplerThread = new Thread(sampler, "sim-sampler");
    samplerThread.setDaemon(true);

    // The spec names a new commit: every agent sees it now (as after a webhook).
    Snapshot before = snapshot();
    long t0 = System.nanoTime();
    samplerThread.start();
    for (Agent a : agents) {
      a.wake();
    }
    boolean done = finished.await(opts.timeoutSeconds(), TimeUnit.SECONDS);
    double agentsSeconds = (System.nanoTime() - t0) / 1e9;
    Snapshot after = snapshot();
    sampler.stop = true;
    samplerThread.join();
    stopping = true;
    String load = FleetSimulation.loadAverage();
    timers.shutdownNow();
    leaseThreads.shutdownNow();
    workers.shutdownNow();
    workers.awaitTermination(30, TimeUnit.SECONDS);

    Optional<RolloutState> rollout = store.latest(environment);
    long rolloutId = rollout.map(RolloutState::id).orElse(-1L);
    double dbSeconds = Double.NaN;
    String phase = rollout.map(r -> r.phase().wire()).orElse("none");
    try (Connection c = admin.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select extract(epoch from finished_at - created_at), (select count(*) from"
                    + " rollout_node where rollout_id = ? and state = 'stable'), (select"
                    + " max(wave) + 1 from rollout_node where rollout_id = ?) from rollout where"
                    + " id = ?")) {
      ps.setLong(1, rolloutId);
      ps.setLong(2, rolloutId);
      ps.setLong(3, rolloutId);
      int stable = 0;
      int waves = 0;
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          dbSeconds = rs.getDouble(1);
          stable = rs.getInt(2);
          waves = rs.getInt(3);
        }
      }
      List<Double> lat = FleetSimulation.waveLatencies(admin, rolloutId, opts.minHealthySeconds());
      double window = (after.nanos - before.nanos) / 1e9;
      return new Result(
          n,
          done && phase.equals(RolloutPhase.SUCCEEDED.wire()),
          phase,
          stable,
          waves,
          registerSeconds,
          agentsSeconds,
          dbSeconds,
          FleetSimulation.percentile(lat, 50),
          FleetSimulation.percentile(lat, 95),
          lat.isEmpty()
              ? Double.NaN
              : lat.stream().mapToDouble(Double::doubleValue).max().orElse(0),
          (after.statements - before.statements) / window,
          (after.commits - before.commits) / window,
          (after.checkouts - before.checkouts) / window,
          (after.statements - before.statements) / (double) n,
          (after.pgXacts - before.pgXacts) / window,
          sampler.maxActive,
          sampler.maxBackends,
          sampler.maxAwaiting,
          pool.getMetrics().maxUsedCount(),
          (after.renewals - before.renewals) / window,
          renewFailures.sum(),
          wakes.sum(),
          admits.sum(),
          doneReads.sum(),
          expireCalls.sum(),
          errors.sum(),
          firstError,
          load);
    }
  }

  private void error(Exception e) {
    if (stopping) {
      // The measured window is over: interrupted pool waits at shutdown are not errors.
      return;
    }
    errors.increment();
    if (firstError == null) {
      firstError = e.toString();
    }
  }

  private record Snapshot(
      long nanos, long statements, long commits, long checkouts, long renewals, long pgXacts) {}

  private Snapshot snapshot() throws Exception {
    long xacts;
    try (Connection c = admin.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select xact_commit + xact_rollback from pg_stat_database where datname ="
                    + " current_database()")) {
      // Statistics are cached per transaction and flushed lazily: ask for fresh ones.
      try (PreparedStatement clear = c.prepareStatement("select pg_stat_clear_snapshot()")) {
        clear.execute();
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        xacts = rs.getLong(1);
      }
    }
    return new Snapshot(
        System.nanoTime(),
        counted.statements.sum(),
        counted.commits.sum(),
        counted.checkouts.sum(),
        renewals.sum(),
        xacts);
  }

  /**
   * Samples the pool and PostgreSQL's client backends every 100 ms during the rollout. The backend
   * count is every client connection the database has, this sampler's own included: what the
   * program costs PostgreSQL, not only what the pool admits to.
   */
  private final class Sampler implements Runnable {
    volatile boolean stop;
    volatile long maxActive;
    volatile long maxAwaiting;
    volatile long maxBackends;

    @Override
    public void run() {
      try (Connection c = admin.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "select count(*) from pg_stat_activity where backend_type = 'client backend'")) {
        while (!stop) {
          AgroalDataSourceMetrics m = pool.getMetrics();
          maxActive = Math.max(maxActive, m.activeCount());
          maxAwaiting = Math.max(maxAwaiting, m.awaitingCount());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            maxBackends = Math.max(maxBackends, rs.getLong(1));
          }
          Thread.sleep(100);
        }
      } catch (Exception e) {
        if (!stop) {
          error(e);
        }
      }
    }
  }

  private enum State {
    START,
    WAIT_ADMIT,
    BUSY,
    WAIT_STABLE,
    DONE
  }

  /**
   * One agent: what the reconcile loop does for a placed environment, with the pipeline replaced by
   * timers. Wake-ups coalesce (one queued run at a time), as the operator's work queue does; a WAIT
   * requeues after the poll interval unless a notify wakes it sooner.
   */
  private final class Agent {
    final String name;
    final NodeLease lease;
    final AtomicBoolean queued = new AtomicBoolean();
    State state = State.START;
    long rolloutId;
    ScheduledFuture<?> timer;
    boolean counted;

    Agent(String name) {
      this.name = name;
      this.lease =
          new NodeLease(
              SimulationRun.this.counted,
              new NodeLease.Identity(name, Map.of("role", "web"), "sim-" + name, "bench"),
              Duration.ofSeconds(opts.leaseSeconds()));
    }

    void renew() {
      if (stopping) {
        return;
      }
      try {
        renewals.increment();
        if (!lease.tick()) {
          renewFailures.increment();
        }
      } catch (Exception e) {
        if (!stopping) {
          renewFailures.increment();
        }
        error(e);
      }
    }

    void expire() {
      if (stopping) {
        return;
      }
      try {
        expireCalls.increment();
        store.expireLeases();
      } catch (Exception e) {
        error(e);
      }
    }

    void wake() {
      if (stopping) {
        return;
      }
      synchronized (this) {
        if (state == State.BUSY) {
          return;
        }
      }
      if (queued.compareAndSet(false, true)) {
        wakes.increment();
        try {
          workers.execute(this::runStep);
        } catch (RuntimeException e) {
          queued.set(false);
        }
      }
    }

    void runStep() {
      queued.set(false);
      if (stopping) {
        return;
      }
      try {
        synchronized (this) {
          step();
        }
      } catch (Exception e) {
        error(e);
        later(Duration.ofMillis(opts.pollMs()), this::wake);
      }
    }

    private void step() throws Exception {
      switch (state) {
        case START -> {
          rolloutId = store.ensure(environment, COMMIT, PREVIOUS, names, policy).id();
          state = State.WAIT_ADMIT;
          admit();
        }
        case WAIT_ADMIT -> admit();
        case WAIT_STABLE -> stable();
        // In sync: a notify still runs a reconcile, which reads the rollout (is it reverting?).
        case DONE -> {
          doneReads.increment();
          store.get(rolloutId);
        }
        case BUSY -> {}
      }
    }

    private void admit() throws Exception {
      admits.increment();
      RolloutStep s = store.admit(rolloutId, name, PREVIOUS);
      switch (s.decision()) {
        case PROCEED -> {
          state = State.BUSY;
          later(Duration.ofMillis(opts.updateMs()), () -> workers.execute(this::built));
        }
        case WAIT -> later(Duration.ofMillis(opts.pollMs()), this::wake);
        default -> done();
      }
    }

    /** The stand-in pipeline built: agree on the build, switch, health-check, report healthy. */
    private void built() {
      try {
        RolloutStep s = store.checkBuild(rolloutId, name, "build-" + COMMIT, "static-" + COMMIT);
        if (s.decision() != RolloutStep.Decision.PROCEED) {
          synchronized (this) {
            done();
          }
          return;
        }
        later(Duration.ofMillis(opts.healthMs()), () -> workers.execute(this::switched));
      } catch (Exception e) {
        error(e);
      }
    }

    private void switched() {
      try {
        RolloutStep s = store.healthy(rolloutId, name);
        synchronized (this) {
          if (s.decision() == RolloutStep.Decision.PROCEED) {
            state = State.WAIT_STABLE;
            later(s.retryAfter(), this::wake);
          } else {
            done();
          }
        }
      } catch (Exception e) {
        error(e);
      }
    }

    private void stable() throws Exception {
      RolloutStep s = store.stable(rolloutId, name);
      if (s.decision() == RolloutStep.Decision.WAIT) {
        later(s.retryAfter(), this::wake);
      } else {
        done();
      }
    }

    private void done() {
      state = State.DONE;
      if (!counted) {
        counted = true;
        finished.countDown();
      }
    }

    /** One pending timer per agent: a new one replaces the old. */
    private synchronized void later(Duration d, Runnable r) {
      if (timer != null) {
        timer.cancel(false);
      }
      if (!stopping) {
        timer = timers.schedule(r, Math.max(0, d.toMillis()), TimeUnit.MILLISECONDS);
      }
    }
  }

  record Result(
      int n,
      boolean ok,
      String phase,
      int stableNodes,
      int waves,
      double registerSeconds,
      double agentsSeconds,
      double rolloutSeconds,
      double waveP50,
      double waveP95,
      double waveMax,
      double queriesPerSecond,
      double commitsPerSecond,
      double checkoutsPerSecond,
      double queriesPerNode,
      double pgXactsPerSecond,
      long maxActive,
      long maxBackends,
      long maxAwaiting,
      long maxUsed,
      double renewalsPerSecond,
      long renewFailures,
      long wakes,
      long admits,
      long doneReads,
      long expireCalls,
      long errors,
      String firstError,
      String load) {

    String describe() {
      return String.format(
          Locale.ROOT,
          "N=%d: rollout %s (%d/%d nodes stable, %d waves) in %.1f s (db created->finished %.1f"
              + " s); wave latency p50 %.0f ms p95 %.0f ms max %.0f ms; %.0f queries/s (%.0f"
              + " per node), %.0f commits/s, %.0f pool checkouts/s, PostgreSQL %.0f xact/s;"
              + " connections: pool active max %d (max used %d), PostgreSQL backends max %d,"
              + " waiting for a connection max %d; lease renewals %.1f/s (%d failed);"
              + " registration %.1f s; %d wake-ups (%d admit calls, %d reads by nodes already"
              + " done, %d expireLeases calls); errors %d%s; load average %s",
          n,
          ok ? "succeeded" : "NOT finished: phase " + phase,
          stableNodes,
          n,
          waves,
          agentsSeconds,
          rolloutSeconds,
          waveP50,
          waveP95,
          waveMax,
          queriesPerSecond,
          queriesPerNode,
          commitsPerSecond,
          checkoutsPerSecond,
          pgXactsPerSecond,
          maxActive,
          maxUsed,
          maxBackends,
          maxAwaiting,
          renewalsPerSecond,
          renewFailures,
          registerSeconds,
          wakes,
          admits,
          doneReads,
          expireCalls,
          errors,
          firstError == null ? "" : " (first: " + firstError + ")",
          load);
    }

    static String table(List<Result> rs) {
      StringBuilder b = new StringBuilder();
      b.append(
          "| N | result | waves | rollout s | wave p50 ms | wave p95 ms | queries/s | queries/node"
              + " | commits/s | pool max (LISTEN incl.) | PG backends max (all) | waiting max"
              + " | renewals/s | load avg"
              + " |\n");
      b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (Result r : rs) {
        b.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %d | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d | %d | %.1f |"
                    + " %s |\n",
                r.n,
                r.ok ? "ok" : r.phase,
                r.waves,
                r.agentsSeconds,
                r.waveP50,
                r.waveP95,
                r.queriesPerSecond,
                r.queriesPerNode,
                r.commitsPerSecond,
                r.maxUsed,
                r.maxBackends,
                r.maxAwaiting,
                r.renewalsPerSecond,
                r.load));
      }
      return b.toString();
    }

    /**
     * Linear growth: the queries one node costs per rollout stay about the same as N grows (within
     * x1.5 from one size to the next) and the pool never makes callers wait; otherwise the cost is
     * superlinear or hidden by saturation, and the verdict says which.
     */
    static String verdict(List<Result> rs, int maxN) {
      if (rs.size() < 2) {
        return "one size only: run several (--simulate with no N) to see the curve";
      }
      List<Result> sorted = new ArrayList<>(rs);
      sorted.sort((a, b) -> Integer.compare(a.n, b.n));
      StringBuilder curve = new StringBuilder();
      double worst = 0;
      for (int i = 0; i < sorted.size(); i++) {
        Result r = sorted.get(i);
        curve.append(
            String.format(
                Locale.ROOT,
                "%sN=%d: %.0f queries/node, %.1f admit calls/node",
                i == 0 ? "" : "; ",
                r.n,
                r.queriesPerNode,
                r.admits / (double) r.n));
        if (i > 0) {
          worst = Math.max(worst, r.queriesPerNode / sorted.get(i - 1).queriesPerNode);
        }
      }
      Result big = sorted.get(sorted.size() - 1);
      Result small = sorted.get(0);
      Result firstSaturated =
          sorted.stream().filter(r -> r.maxAwaiting > 0).findFirst().orElse(null);
      String growth;
      if (firstSaturated == null && worst <= 1.5) {
        growth = "LINEAR (per-node cost within x" + String.format(Locale.ROOT, "%.2f", worst) + ")";
      } else if (firstSaturated == null) {
        growth = String.format(Locale.ROOT, "SUPERLINEAR (per-node cost grew up to x%.2f)", worst);
      } else {
        growth =
            String.format(
                Locale.ROOT,
                "NOT LINEAR: per-node cost grew up to x%.2f, and from N=%d the pool saturated (up to"
                    + " %d callers waiting, %.0f queries/s): every notify wakes every agent, wake-ups"
                    + " coalesce, so the query count is capped by throughput and the cost shows as"
                    + " wave latency (p95 %.0f ms at N=%d vs %.0f ms at N=%d)",
                worst,
                firstSaturated.n,
                firstSaturated.maxAwaiting,
                firstSaturated.queriesPerSecond,
                big.waveP95,
                big.n,
                small.waveP95,
                small.n);
      }
      growth += " [" + curve + "]";
      long worstConns = Math.max(big.maxUsed, big.maxBackends);
      String conns =
          String.format(
              Locale.ROOT,
              "; connections at N=%d: pool max %d (the LISTEN one included), PostgreSQL client"
                  + " backends max %d (every one, this program's sampler included): target < 50 %s",
              maxN,
              big.maxUsed,
              big.maxBackends,
              worstConns < 50 ? "met" : "NOT met");
      return "coordination cost: " + growth + conns;
    }
  }
}
