package io.sylvan.operator.bench;

import io.sylvan.operator.reconcile.FleetHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * bench/fleet (real mode): three operator agents on this machine ({@link FleetHarness}: the fleet
 * integration tests' harness with one PostgreSQL, the plain Node fixture, the spec in git, Nginx in
 * front) roll commits out with Sylvan's rollout and, side by side, with the same agents configured
 * to behave as Kamal does. Prints one line per rollout and a table with the targets. Run it
 * with bench/fleet/run.sh.
 */
public final class FleetBench {

  private FleetBench() {}

  /** How a commit reaches the nodes: Sylvan's rollout, or Kamal's emulated with our agents. */
  record Strategy(
      String label, int canary, int maxParallel, int minHealthy, boolean autoRevert, String how) {}

  enum Case {
    GOOD("good commit"),
    FAIL_CANARY("commit failing on the canary (web-1)"),
    FAIL_SECOND("commit failing on the second node (web-2)");

    final String label;

    Case(String label) {
      this.label = label;
    }
  }

  /** One rollout: what it took and what it left. Times in ms, -1 when it did not happen. */
  record Outcome(
      int run,
      Strategy strategy,
      Case c,
      String phase,
      long toAllServe,
      long failureToBack,
      List<Double> waveMs,
      List<String> onBroken,
      List<String> unhealthy,
      FleetHarness.LoadResult load,
      String note) {

    String describe() {
      StringBuilder s =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "run %d  %-22s %-42s rollout %s",
                  run,
                  strategy.label,
                  c.label,
                  phase));
      if (c == Case.GOOD) {
        s.append(String.format(Locale.ROOT, ", spec commit -> all serve %s", seconds(toAllServe)));
        if (!waveMs.isEmpty()) {
          s.append(", wave latencies ms ").append(waveMs.stream().map(FleetBench::ms).toList());
        }
      } else {
        s.append(", failure -> fleet on previous ")
            .append(failureToBack < 0 ? "never" : seconds(failureToBack))
            .append(", left on the broken commit ")
            .append(onBroken.isEmpty() ? "none" : onBroken);
        if (!unhealthy.isEmpty()) {
          s.append(", unhealthy ").append(unhealthy);
        }
      }
      s.append(", nginx ")
          .append(
              load == null
                  ? "n/a"
                  : String.format(
                      Locale.ROOT,
                      "%d/%d failed at %.0f/s%s",
                      load.failed(),
                      load.sent(),
                      load.rate(),
                      load.failures().isEmpty()
                          ? ""
                          : " " + load.failures().stream().limit(3).toList()));
      if (note != null) {
        s.append(" [").append(note).append(']');
      }
      return s.toString();
    }
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private static final Set<String> ENDED = Set.of("succeeded", "aborted", "reverted");

  public static void main(String[] args) throws Exception {
    Map<String, String> o = FleetBenchOptions.parse(args);
    int runs = Integer.parseInt(o.get("runs"));
    int minHealthy = Integer.parseInt(o.get("min-healthy"));
    int rate = Integer.parseInt(o.get("rate"));
    int group = Integer.parseInt(o.get("group"));
    long timeoutMs = Long.parseLong(o.get("timeout")) * 1000;
    Strategy sylvan =
        new Strategy(
            "sylvan",
            1,
            1,
            minHealthy,
            true,
            "canary 1, maxParallel 1, minHealthyTime " + minHealthy + " s, autoRevert");
    Strategy kamalAll =
        new Strategy(
            "kamal all-at-once",
            3,
            3,
            0,
            false,
            "canary 3 (all nodes in wave 0), minHealthyTime 0, autoRevert false: every host boots"
                + " at once; a failing host raises, the others keep the new version");
    Strategy kamalGroups =
        new Strategy(
            "kamal boot.limit " + group,
            group,
            group,
            0,
            false,
            "canary "
                + group
                + ", maxParallel "
                + group
                + ", minHealthyTime 0 (boot.wait 0), autoRevert false: groups of "
                + group
                + " one after another, hosts of a group in parallel; a failing host raises, no"
                + " later group starts, hosts already done stay on the new version");
    System.out.printf(
        Locale.ROOT,
        "fleet bench (real): 3 operator agents (web-1..3: own data dir, PM2_HOME, target root,"
            + " port) on one PostgreSQL, the plain Node fixture, the spec in a git repository;"
            + " Nginx load GET / at %d req/s; %d run(s); %d CPUs; load average %s%n",
        rate,
        runs,
        Runtime.getRuntime().availableProcessors(),
        FleetSimulation.loadAverage());
    System.out.println("Kamal emulated with our agents (each failing node's own rollback stands");
    System.out.println("in for kamal-proxy keeping the old container when the new one fails):");
    for (Strategy s : List.of(sylvan, kamalAll, kamalGroups)) {
      System.out.printf("  %-22s %s%n", s.label, s.how);
    }
    System.out.println(
        "  caveat: a node of the failing node's wave that has not reached its build check when"
            + " the rollout stops is told to stop (Kamal would finish it); the lines below show"
            + " where each node ended.");

    List<Outcome> all = new ArrayList<>();
    long started = System.nanoTime();
    System.out.println("starting PostgreSQL, the fixture, three agents and Nginx ...");
    try (FleetHarness h = FleetHarness.create("fleet-bench")) {
      Thread hook = new Thread(h::close, "fleet-bench-cleanup");
      Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: agents, PM2 daemons, PG, temp dir
      h.start();
      if (!h.hasNginx()) {
        System.out.println(
            "nginx is not installed (Debian package nginx-light): no requests through Nginx"
                + " are measured");
      }
      awaitFirstDeploy(h, timeoutMs);
      System.out.printf(Locale.ROOT, "fleet up in %.0f s%n", (System.nanoTime() - started) / 1e9);
      for (int run = 1; run <= runs; run++) {
        System.out.printf(
            Locale.ROOT, "-- run %d (load average %s)%n", run, FleetSimulation.loadAverage());
        List<Object[]> plan =
            List.of(
                new Object[] {sylvan, Case.GOOD},
                new Object[] {sylvan, Case.FAIL_CANARY},
                new Object[] {sylvan, Case.FAIL_SECOND},
                new Object[] {kamalAll, Case.GOOD},
                new Object[] {kamalAll, Case.FAIL_SECOND},
                new Object[] {kamalGroups, Case.GOOD},
                new Object[] {kamalGroups, Case.FAIL_SECOND});
        for (Object[] p : plan) {
          Outcome r = rollout(h, run, (Strategy) p[0], (Case) p[1], rate, timeoutMs);
          all.add(r);
          System.out.println(r.describe());
        }
      }
      System.out.printf(
          Locale.ROOT, "load average at the end %s%n%n", FleetSimulation.loadAverage());
      System.out.println(FleetBenchTable.table(all, List.of(sylvan, kamalAll, kamalGroups)));
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  /** The agents' first deploy (the fixture's first commit on every node). */
  private static void awaitFirstDeploy(FleetHarness h, long timeoutMs) {
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      Map<String, String> s = served(h);
      if (s.values().stream().allMatch(c -> c != null) && Set.copyOf(s.values()).size() == 1) {
        return;
      }
      sleep(500);
    }
    throw new IllegalStateException(
        "the fleet did not serve its first commit within "
            + timeoutMs / 1000
            + " s; see "
            + h.logs());
  }

  /** Commits one rollout's spec and samples every node (100 ms) until it has settled. */
  static Outcome rollout(FleetHarness h, int run, Strategy s, Case c, int rate, long timeoutMs)
      throws Exception {
    Map<String, String> previous = served(h);
    String commit =
        switch (c) {
          case GOOD -> h.commitGood("bench run " + run + " " + s.label);
          case FAIL_CANARY -> h.commitUnhealthyAfterSwitch();
          case FAIL_SECOND -> h.commitUnhealthyOn("web-2");
        };
    h.rollout(s.canary, s.maxParallel, Duration.ofSeconds(s.minHealthy), s.autoRevert);
    h.startLoad(rate);
    List<Long> times = new ArrayList<>();
    List<Map<String, String>> samples = new ArrayList<>();
    String phase = "none";
    String note = null;
    FleetHarness.LoadResult load;
    long t0;
    try {
      h.commitSpec(commit);
      t0 = System.currentTimeMillis();
      long settledSince = -1;
      while (true) {
        long now = System.currentTimeMillis();
        Map<String, String> now1 = served(h);
        times.add(now);
        samples.add(now1);
        phase = phase(h, commit);
        boolean done =
            c == Case.GOOD
                ? "succeeded".equals(phase) && now1.values().stream().allMatch(commit::equals)
                    || ENDED.contains(phase) && !"succeeded".equals(phase)
                : ENDED.contains(phase)
                    && inProgress(h) == 0
                    && (!s.autoRevert || now1.equals(previous));
        if (done && settledSince < 0) {
          settledSince = now;
        } else if (!done) {
          settledSince = -1;
        }
        if (settledSince > 0 && now - settledSince >= 2000) {
          break; // settled for 2 s: nothing still moving
        }
        if (now - t0 > timeoutMs) {
          note = "timed out after " + timeoutMs / 1000 + " s; " + latestRollouts(h);
          break;
        }
        sleep(100);
      }
    } finally {
      load = h.stopLoad();
    }
    Map<String, String> last = samples.get(samples.size() - 1);
    List<String> onBroken = new ArrayList<>();
    List<String> unhealthy = new ArrayList<>();
    last.forEach(
        (n, served) -> {
          if (served == null) {
            unhealthy.add(n);
          } else if (c != Case.GOOD && served.equals(commit)) {
            onBroken.add(n);
          }
        });
    long toAllServe = -1;
    long back = -1;
    if (c == Case.GOOD) {
      for (int i = 0; i < samples.size(); i++) {
        if (samples.get(i).values().stream().allMatch(commit::equals)) {
          toAllServe = times.get(i) - t0;
          break;
        }
      }
    } else if (note == null && last.equals(previous)) {
      Long failedAt = firstFailure(h, commit);
      int i = samples.size() - 1;
      while (i > 0 && samples.get(i - 1).equals(previous)) {
        i--;
      }
      if (failedAt != null && i > 0) { // i == 0: the fleet never left the previous commit
        back = Math.max(0, times.get(i) - failedAt);
      }
    }
    List<Double> waves = c == Case.GOOD ? waveLatencies(h, commit, s.minHealthy) : List.of();
    return new Outcome(run, s, c, phase, toAllServe, back, waves, onBroken, unhealthy, load, note);
  }

  /** Each node's served commit (null when its health check does not answer 200). */
  static Map<String, String> served(FleetHarness h) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String n : FleetHarness.NODES) {
      m.put(n, servedCommit(h.port(n)));
    }
    return m;
  }

  private static String servedCommit(int port) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      var commit = FleetBenchTable.JSON.readTree(r.body()).path("commit");
      return commit.isTextual() ? commit.asText() : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static String phase(FleetHarness h, String commit) {
    List<Map<String, Object>> rows =
        h.query(
            "select phase from rollout where environment = ? and commit = ? order by id desc"
                + " limit 1",
            FleetHarness.ENV,
            commit);
    return rows.isEmpty() ? "none" : (String) rows.get(0).get("phase");
  }

  /** The environment's last rollouts, for a rollout that did not settle. */
  private static String latestRollouts(FleetHarness h) {
    return h
        .query(
            "select id, left(commit, 12) as c, phase, failed_node, failed_step from rollout"
                + " where environment = ? order by id desc limit 4",
            FleetHarness.ENV)
        .stream()
        .map(
            r ->
                "#%s %s %s%s"
                    .formatted(
                        r.get("id"),
                        r.get("c"),
                        r.get("phase"),
                        r.get("failed_step") == null
                            ? ""
                            : " (" + r.get("failed_node") + ": " + r.get("failed_step") + ")"))
        .toList()
        .toString();
  }

  private static long inProgress(FleetHarness h) {
    return ((Number)
            h.query(
                    "select count(*) as n from deployment where environment = ? and status ="
                        + " 'in_progress'",
                    FleetHarness.ENV)
                .get(0)
                .get("n"))
        .longValue();
  }

  /** When the first step of a deployment of {@code commit} failed (PostgreSQL's clock), or null. */
  private static Long firstFailure(FleetHarness h, String commit) {
    Object t =
        h.query(
                "select min(s.ended_at) as t from deployment d join deployment_step s on"
                    + " s.deployment_id = d.id where d.environment = ? and d.git_commit = ? and"
                    + " s.status = 'failed'",
                FleetHarness.ENV,
                commit)
            .get(0)
            .get("t");
    return t == null ? null : ((Timestamp) t).getTime();
  }

  private static List<Double> waveLatencies(FleetHarness h, String commit, int minHealthy)
      throws Exception {
    List<Map<String, Object>> rows =
        h.query(
            "select id from rollout where environment = ? and commit = ? order by id desc limit 1",
            FleetHarness.ENV,
            commit);
    if (rows.isEmpty()) {
      return List.of();
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(h.jdbcUrl());
    ds.setUser("postgres");
    ds.setPassword("postgres");
    return FleetSimulation.waveLatencies(
        ds, ((Number) rows.get(0).get("id")).longValue(), minHealthy);
  }

  static String seconds(long ms) {
    return ms < 0 ? "-" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  static String ms(double ms) {
    return String.format(Locale.ROOT, "%.0f", ms);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
