package io.sylvan.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.sylvan.operator.pipeline.RepoCommands;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.TestTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Three operator processes ({@code web-1..3}) as the nodes of one fleet on this machine: one
 * PostgreSQL (from {@link OperatorWorld}), the plain Node fixture app, and the environment's spec
 * in a git repository the test commits to. Every node has its own data dir, PM2_HOME, target root
 * and app port (the two latter through {@code spec.placement.nodes}). {@link #close()} stops every
 * operator, kills every node's PM2 daemon, then the database, whatever state a test left.
 */
final class Fleet implements AutoCloseable {

  static final String ENV = "fleet";
  static final String APP = "fleet-app";
  static final List<String> NODES = List.of("web-1", "web-2", "web-3");

  /**
   * PM2 instances per node: one (a cluster-mode reload still starts the new worker before the old
   * one stops), which halves every node's reload; Nginx spreads the load over three nodes anyway.
   */
  static final int INSTANCES = 1;

  final OperatorWorld world;
  final Path specRepo;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private volatile Rollout rollout;

  /** The {@code spec.rollout} that {@link #commitSpec} writes (bench/fleet varies it). */
  record Rollout(int canary, int maxParallel, Duration minHealthy, boolean autoRevert) {}

  /** One node: its operator (null until started), PM2 home, target root and app port. */
  static final class Node {
    final String name;
    final Path pm2Home;
    final Path root;
    final int port;
    OperatorProcess operator;

    Node(String name, Path pm2Home, Path root, int port) {
      this.name = name;
      this.pm2Home = pm2Home;
      this.root = root;
      this.port = port;
    }
  }

  Fleet(String name, Duration minHealthy) throws IOException {
    this.rollout = new Rollout(1, 1, minHealthy, true);
    world = new OperatorWorld(name);
    boolean ok = false;
    try {
      for (String n : NODES) {
        Path root = world.work.resolve("node-" + n);
        Files.createDirectories(root.resolve("shared"));
        Files.writeString(
            root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/app\n");
        Path pm2 = world.work.resolve("pm2-" + n);
        Files.createDirectories(pm2);
        nodes.put(n, new Node(n, pm2, root, TestSpecs.freePort()));
      }
      specRepo = world.work.resolve("spec-repo");
      Files.createDirectories(specRepo.resolve("deploy-specs"));
      RepoCommands.init(specRepo);
      ok = true;
    } finally {
      if (!ok) {
        world.close();
      }
    }
  }

  Node node(String name) {
    return nodes.get(name);
  }

  List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  /** Starts the three agents (in parallel: a JVM start is the slow part), each ready. */
  void startAll() {
    NODES.parallelStream().forEach(this::start);
  }

  /** Starts (or restarts) one node's agent and waits until it is ready. */
  OperatorProcess start(String name) {
    Node n = nodes.get(name);
    if (n.operator != null) {
      n.operator.start();
      return n.operator;
    }
    Map<String, String> s = world.settings("data-" + name, true);
    s.put("SYLVAN_NODE_NAME", name);
    s.put("SYLVAN_NODE_LEASE_RENEW", "1s");
    s.put("SYLVAN_NODE_LEASE_EXPIRY", "5s");
    s.put("SYLVAN_PM2_HOME", n.pm2Home.toString());
    s.put("SYLVAN_SPECS_GIT_URL", specRepo.toString());
    s.put("SYLVAN_SPECS_GIT_BRANCH", "main");
    s.put("SYLVAN_SPECS_GIT_PATH", "deploy-specs");
    OperatorProcess p;
    synchronized (this) {
      p = new OperatorProcess(ENV + "-" + name, s);
      n.operator = p;
    }
    p.start();
    return p;
  }

  /** Any live agent (the API of each one reads the shared database). */
  OperatorProcess anyAgent() {
    return nodes.values().stream()
        .map(n -> n.operator)
        .filter(p -> p != null && p.alive())
        .findFirst()
        .orElseThrow();
  }

  /** Commits a spec naming {@code commit} to the spec repository: the GitOps deploy. */
  String commitSpec(String commit) {
    try {
      Node first = nodes.get("web-1");
      Files.writeString(
          specRepo.resolve("deploy-specs/" + ENV + ".yaml"),
          TestSpecs.yaml(
              ENV, APP, world.app.dir(), commit, first.root, first.port, INSTANCES, placement()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return RepoCommands.commit(specRepo, "deploy " + commit.substring(0, 12));
  }

  private String placement() {
    StringBuilder y = new StringBuilder("  placement:\n    nodes:\n      - web-1\n");
    for (String n : NODES.subList(1, NODES.size())) {
      Node node = nodes.get(n);
      y.append("      - {name: %s, root: %s, port: %d}\n".formatted(n, node.root, node.port));
    }
    return y.append("  rollout:\n")
        .append("    canary: %d\n".formatted(rollout.canary()))
        .append("    maxParallel: %d\n".formatted(rollout.maxParallel()))
        .append("    minHealthyTime: %ds\n".formatted(rollout.minHealthy().toSeconds()))
        .append("    progressDeadline: 3m\n")
        .append(rollout.autoRevert() ? "" : "    autoRevert: false\n")
        .toString();
  }

  /** The rollout the next {@link #commitSpec} writes; canary 1, maxParallel 1 until set. */
  void rollout(Rollout rollout) {
    this.rollout = rollout;
  }

  /**
   * A commit whose {@code /api/health} answers 500 under PM2 on node {@code name}'s port only (one
   * node of three): it passes wherever it runs before that node.
   */
  String commitUnhealthyOn(String name) throws IOException {
    int port = nodes.get(name).port;
    Path server = world.app.dir().resolve("server.js");
    String original = Files.readString(server);
    String changed =
        original.replace(
            "const healthy =\n", "const healthy = !(underPm2 && port === " + port + ") &&\n");
    if (changed.equals(original)) {
      throw new IllegalStateException("server.js changed: cannot make it fail on one port");
    }
    Files.writeString(server, changed);
    String sha = world.app.commit("unhealthy on " + name + " (port " + port + ") only");
    Files.writeString(server, original);
    return sha;
  }

  /** The commit node {@code name}'s app reports at {@code /api/health} when healthy, else null. */
  String servedCommit(String name) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + nodes.get(name).port + "/api/health"))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      return OperatorProcess.JSON.readTree(r.body()).path("commit").asText(null);
    } catch (Exception e) {
      return null;
    }
  }

  /** The pids of node {@code name}'s app processes under its PM2 (empty when none). */
  Set<Long> pids(String name) {
    return TestTools.pm2(nodes.get(name).pm2Home).jlist().stream()
        .filter(p -> APP.equals(p.name()))
        .map(Pm2Process::pid)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The pids of every node's app processes. */
  Map<String, Set<Long>> allPids() {
    Map<String, Set<Long>> all = new LinkedHashMap<>();
    NODES.forEach(n -> all.put(n, pids(n)));
    return all;
  }

  /** The environment as an agent's {@code GET /status} shows it, or null. */
  JsonNode status() {
    return anyAgent().environment(ENV);
  }

  /** True when every node serves {@code commit} and the status says Synced and Healthy. */
  boolean allServe(String commit) {
    if (!NODES.stream().allMatch(n -> commit.equals(servedCommit(n)))) {
      return false;
    }
    JsonNode e = status();
    return e != null
        && "Synced".equals(e.path("sync").asText())
        && "Healthy".equals(e.path("health").asText());
  }

  /** Waits until every node serves {@code commit}, Synced and Healthy. */
  void awaitAllServe(String commit, Duration atMost) {
    org.awaitility.Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> allServe(commit));
  }

  /** The rows of the rollout of {@code commit} (latest first), as column maps. */
  List<Map<String, Object>> rollouts(String commit) {
    return world.query(
        "select * from rollout where environment = ? and commit = ? order by id desc", ENV, commit);
  }

  /** The node rows of the latest rollout of {@code commit}, by wave then node. */
  List<Map<String, Object>> rolloutNodes(String commit) {
    return world.query(
        "select n.* from rollout_node n where n.rollout_id = (select max(id) from rollout"
            + " where environment = ? and commit = ?) order by n.wave, n.node",
        ENV,
        commit);
  }

  /** Each node's deployments of {@code commit}: id, node, status, first step start, last end. */
  List<Map<String, Object>> deploymentWindows(String commit) {
    return world.query(
        "select d.id, d.node, d.status, d.type, min(s.started_at) as first_start,"
            + " max(s.ended_at) as last_end from deployment d"
            + " join deployment_step s on s.deployment_id = d.id"
            + " where d.environment = ? and d.git_commit = ?"
            + " group by d.id, d.node, d.status, d.type order by first_start",
        ENV,
        commit);
  }

  /**
   * What a failed scenario needs to be understood: every rollout and node row of the environment
   * and the last {@code lines} lines of each agent's log.
   */
  String describe(int lines) {
    StringBuilder b = new StringBuilder("---- rollouts of ").append(ENV).append('\n');
    try {
      world
          .query(
              "select id, commit, phase, current_wave, failures, failed_node, failed_step,"
                  + " failed_reason, created_at, finished_at from rollout where environment = ?"
                  + " order by id",
              ENV)
          .forEach(r -> b.append(r).append('\n'));
      world
          .query(
              "select n.rollout_id, n.node, n.wave, n.state, n.started_at, n.healthy_at, n.error"
                  + " from rollout_node n join rollout r on r.id = n.rollout_id"
                  + " where r.environment = ? order by n.rollout_id, n.wave, n.node",
              ENV)
          .forEach(r -> b.append("  ").append(r).append('\n'));
    } catch (RuntimeException e) {
      b.append("(cannot read the rollout rows: ").append(e).append(")\n");
    }
    for (Node n : nodes.values()) {
      if (n.operator == null) {
        continue;
      }
      b.append("---- last ").append(lines).append(" lines of ").append(n.operator.log());
      b.append('\n');
      try {
        List<String> all = Files.readAllLines(n.operator.log());
        all.subList(Math.max(0, all.size() - lines), all.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (IOException | RuntimeException e) {
        b.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  /** The agent log files, for failure messages. */
  List<Path> logs() {
    List<Path> logs = new ArrayList<>();
    nodes.values().forEach(n -> logs.add(n.operator == null ? null : n.operator.log()));
    return logs;
  }

  @Override
  public void close() {
    for (Node n : nodes.values()) {
      if (n.operator != null) {
        n.operator.stop();
      }
    }
    for (Node n : nodes.values()) {
      try {
        TestTools.pm2(n.pm2Home).killDaemon();
      } catch (RuntimeException e) {
        // best effort: that node's daemon may never have started
      }
    }
    world.close();
  }
}
