package io.sylvan.operator.bench;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.sylvan.operator.fleet.FleetEvents;
import io.sylvan.operator.fleet.FleetEventsAccess;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutPolicy.Amount;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * bench/fleet --simulate: N in-process agents running the real fleet code (NodeLease, RolloutStore,
 * FleetEvents) against a real PostgreSQL (embedded, started here, with the operator's migrations)
 * through one bounded Agroal pool, each pipeline replaced by a timed stand-in. Prints, per N, the
 * rollout time, wave latency, queries and connections, and lease renewals, and whether the
 * coordination cost per node stays flat (linear growth in N). Run it with bench/fleet/run.sh.
 */
public final class FleetSimulation {

  private FleetSimulation() {}

  /** The knobs, with bench/fleet/run.sh's defaults. */
  record Options(
      List<Integer> sizes,
      int pool,
      int workers,
      int updateMs,
      int healthMs,
      int minHealthySeconds,
      int canary,
      Amount maxParallel,
      int renewSeconds,
      int leaseSeconds,
      int pollMs,
      int expireEverySeconds,
      int timeoutSeconds) {

    static Options parse(String[] args) {
      Map<String, String> o = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --option value, got: " + args[i]);
        }
        o.put(args[i].substring(2), args[++i]);
      }
      String mp = o.getOrDefault("max-parallel", "10%");
      Options opts =
          new Options(
              Arrays.stream(o.getOrDefault("nodes", "10,100,1000").split(","))
                  .map(String::trim)
                  .map(Integer::parseInt)
                  .toList(),
              Integer.parseInt(o.getOrDefault("pool", "45")),
              Integer.parseInt(o.getOrDefault("workers", "64")),
              Integer.parseInt(o.getOrDefault("update-ms", "200")),
              Integer.parseInt(o.getOrDefault("health-ms", "50")),
              Integer.parseInt(o.getOrDefault("min-healthy", "1")),
              Integer.parseInt(o.getOrDefault("canary", "1")),
              mp.endsWith("%")
                  ? Amount.percent(Integer.parseInt(mp.substring(0, mp.length() - 1)))
                  : Amount.count(Integer.parseInt(mp)),
              Integer.parseInt(o.getOrDefault("renew", "10")),
              Integer.parseInt(o.getOrDefault("lease", "40")),
              Integer.parseInt(o.getOrDefault("poll-ms", "2000")),
              Integer.parseInt(o.getOrDefault("expire-every", "5")),
              Integer.parseInt(o.getOrDefault("timeout", "600")));
      o.keySet()
          .removeAll(
              List.of(
                  "nodes",
                  "pool",
                  "workers",
                  "update-ms",
                  "health-ms",
                  "min-healthy",
                  "canary",
                  "max-parallel",
                  "renew",
                  "lease",
                  "poll-ms",
                  "expire-every",
                  "timeout"));
      if (!o.isEmpty()) {
        throw new IllegalArgumentException("unknown option(s): " + o.keySet());
      }
      return opts;
    }

    RolloutPolicy policy() {
      return new RolloutPolicy(
          Amount.count(canary),
          maxParallel,
          Duration.ofSeconds(minHealthySeconds),
          Duration.ofMinutes(10),
          0,
          true);
    }
  }

  public static void main(String[] args) throws Exception {
    Options opts = Options.parse(args);
    System.out.printf(
        Locale.ROOT,
        "fleet simulation: N in-process agents, one Agroal pool of %d connections (the LISTEN"
            + " one included), %d agent threads; update stand-in %d ms, health %d ms; rollout canary"
            + " %d, maxParallel %s, minHealthyTime %d s; lease renew %d s / expiry %d s;"
            + " WAIT requeue %d ms (a notify wakes sooner); expireLeases every %d s per agent%n",
        opts.pool(),
        opts.workers(),
        opts.updateMs(),
        opts.healthMs(),
        opts.canary(),
        opts.maxParallel(),
        opts.minHealthySeconds(),
        opts.renewSeconds(),
        opts.leaseSeconds(),
        opts.pollMs(),
        opts.expireEverySeconds());
    int maxN = opts.sizes().stream().mapToInt(Integer::intValue).max().orElse(0);
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setServerConfig("max_connections", String.valueOf(Math.max(100, opts.pool() + 20)))
            .start()) {
      DataSource admin = pg.getPostgresDatabase();
      Flyway.configure().dataSource(admin).locations("classpath:db/migration").load().migrate();
      System.out.printf(
          Locale.ROOT,
          "PostgreSQL %s (embedded, max_connections %d) at port %d%n",
          version(admin),
          Math.max(100, opts.pool() + 20),
          pg.getPort());
      List<SimulationRun.Result> results = new ArrayList<>();
      for (int n : opts.sizes()) {
        reset(admin);
        try (AgroalDataSource pool = pool(pg, opts.pool())) {
          FleetEvents events = FleetEventsAccess.start(pool);
          try {
            SimulationRun.Result r = new SimulationRun(n, opts, pool, events, admin).run();
            results.add(r);
            System.out.println(r.describe());
          } finally {
            FleetEventsAccess.stop(events);
          }
        }
      }
      System.out.println();
      System.out.println(SimulationRun.Result.table(results));
      System.out.println(SimulationRun.Result.verdict(results, maxN));
    }
  }

  private static AgroalDataSource pool(EmbeddedPostgres pg, int max) throws Exception {
    // FleetEvents keeps one of the max connections for LISTEN; the fleet code shares the others.
    // The pool is the whole budget: with the sampler's one connection the program stays < 50.
    if (max < 2 || max > 48) {
      throw new IllegalArgumentException(
          "--pool must be 2..48: the LISTEN connection takes one, the sampler one more, and the"
              + " target is under 50 connections; got "
              + max);
    }
    return AgroalDataSource.from(
        new AgroalDataSourceConfigurationSupplier()
            .metricsEnabled(true)
            .connectionPoolConfiguration(
                cp ->
                    cp.maxSize(max)
                        .minSize(0)
                        .initialSize(1)
                        .acquisitionTimeout(Duration.ofSeconds(30))
                        .connectionFactoryConfiguration(
                            cf ->
                                cf.jdbcUrl(pg.getJdbcUrl("postgres", "postgres"))
                                    .principal(new NamePrincipal("postgres"))
                                    .credential(new SimplePassword("")))));
  }

  private static String version(DataSource ds) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("show server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void reset(DataSource ds) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("truncate rollout_node, rollout, node");
    }
  }

  /** The 1-minute load average of this (shared) machine, or "?" where /proc has none. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }

  /** Nearest-rank percentile (as bench/lib/stats.js), NaN for no values. */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** The rollout's wave-to-wave latencies in ms: wave w eligible -> first node of w+1 admitted. */
  static List<Double> waveLatencies(DataSource ds, long rolloutId, int minHealthySeconds)
      throws Exception {
    List<Double> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "with w as (select wave, max(healthy_at) + make_interval(secs => ?) as eligible,"
                    + " min(started_at) as first_start from rollout_node where rollout_id = ?"
                    + " group by wave) select extract(epoch from (b.first_start - a.eligible))"
                    + " * 1000 from w a join w b on b.wave = a.wave + 1 order by a.wave")) {
      ps.setInt(1, minHealthySeconds);
      ps.setLong(2, rolloutId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getDouble(1));
        }
      }
    }
    return out;
  }
}
