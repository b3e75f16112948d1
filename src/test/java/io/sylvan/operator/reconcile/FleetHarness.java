package io.sylvan.operator.reconcile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The fleet integration tests' harness ({@link Fleet}, {@link FleetNginx}) opened to code outside
 * this package: bench/fleet's real mode drives the same three operator processes, PostgreSQL,
 * fixture app, spec repository and Nginx as {@code FleetRolloutIT}, not a second copy of them.
 */
public final class FleetHarness implements AutoCloseable {

  /** The node names, in wave order. */
  public static final List<String> NODES = Fleet.NODES;

  /** The fleet's environment name. */
  public static final String ENV = Fleet.ENV;

  private final Fleet fleet;
  private volatile FleetNginx nginx;
  private FleetNginx.Load load;
  private boolean closed;
  private volatile boolean starting;

  private FleetHarness(Fleet fleet) {
    this.fleet = fleet;
  }

  /**
   * PostgreSQL (started), the node dirs and the spec repository; nothing else runs yet, so a caller
   * can arrange for {@link #close()} (a shutdown hook) before the slow {@link #start()}.
   */
  public static FleetHarness create(String name) throws IOException {
    return new FleetHarness(new Fleet(name, Duration.ofSeconds(1)));
  }

  /**
   * Starts the fleet: the fixture app with a first commit named in the spec, the three agents
   * (ready), and Nginx in front when it is installed. Waits for nothing else.
   */
  public void start() throws IOException {
    starting = true;
    fleet.commitSpec(fleet.world.app.commitChange("first"));
    fleet.startAll();
    starting = false;
    var binary = FleetNginx.binary();
    if (binary.isPresent()) {
      synchronized (this) {
        if (!closed) {
          nginx =
              FleetNginx.start(
                  binary.get(),
                  fleet.world.work.resolve("nginx"),
                  fleet.nodes().stream().map(n -> n.port).toList());
        }
      }
    }
  }

  /** The rollout settings the next {@link #commitSpec} writes ({@code minHealthy} in seconds). */
  public void rollout(int canary, int maxParallel, Duration minHealthy, boolean autoRevert) {
    fleet.rollout(new Fleet.Rollout(canary, maxParallel, minHealthy, autoRevert));
  }

  /** Commits the spec naming {@code commit} to the spec repository (the GitOps deploy). */
  public void commitSpec(String commit) {
    fleet.commitSpec(commit);
  }

  /** A new good commit of the fixture app. */
  public String commitGood(String message) throws IOException {
    return fleet.world.app.commitChange(message);
  }

  /** A commit that passes the preview and fails its health check after the switch, anywhere. */
  public String commitUnhealthyAfterSwitch() throws IOException {
    return fleet.world.app.commitUnhealthyAfterSwitch();
  }

  /** A commit that fails its health check on node {@code name} only. */
  public String commitUnhealthyOn(String name) throws IOException {
    return fleet.commitUnhealthyOn(name);
  }

  /** The commit node {@code name} serves (its healthy {@code /api/health}), else null. */
  public String servedCommit(String name) {
    return fleet.servedCommit(name);
  }

  /** Node {@code name}'s app port. */
  public int port(String name) {
    return fleet.node(name).port;
  }

  /** Rows of a query on the shared PostgreSQL. */
  public List<Map<String, Object>> query(String sql, Object... args) {
    return fleet.world.query(sql, args);
  }

  public String jdbcUrl() {
    return fleet.world.jdbcUrl();
  }

  /** The agents' log files. */
  public List<Path> logs() {
    return fleet.logs();
  }

  /** True when a real Nginx runs in front of the nodes. */
  public boolean hasNginx() {
    return nginx != null;
  }

  /** Starts an open-loop load of GET / through Nginx (none without Nginx). */
  public synchronized void startLoad(int perSecond) {
    if (nginx != null && load == null) {
      load = nginx.load("/", perSecond);
    }
  }

  /** Stops the load; what it saw, or null when none ran. */
  public synchronized LoadResult stopLoad() {
    if (load == null) {
      return null;
    }
    FleetNginx.Load l = load;
    load = null;
    l.close();
    return new LoadResult(l.sent(), l.succeeded(), l.rate(), l.failures());
  }

  /** Requests sent through Nginx, answered 2xx, the rate sent, and the first failures. */
  public record LoadResult(long sent, long ok, double rate, List<String> failures) {
    public long failed() {
      return sent - ok;
    }
  }

  /** Stops the load, Nginx, every agent and PM2 daemon, PostgreSQL; removes the temp dir. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (load != null) {
      load.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    fleet.close();
    if (starting) {
      // Closed mid-start (Ctrl-C): an agent launched just after the first pass is stopped here.
      OperatorProcess.sleep(2_000);
      fleet.close();
    }
  }
}
