package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.TestTools;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the operator-process ITs share: one real PostgreSQL on a fixed data directory and port (so
 * it can be stopped and started again), the plain Node fixture app in a git repository, a spec
 * folder with one environment, a target root, and a PM2_HOME of its own (its daemon is killed at
 * the end; never {@code ~/.pm2}).
 */
public final class OperatorWorld implements AutoCloseable {

  static final String ENV = "it";
  static final String APP = "it-app";

  final Path work;
  final Path pgData;
  final int pgPort;
  final Path specs;
  final Path root;
  final Path pm2Home;
  final int appPort;
  final NodeAppRepo app;
  private EmbeddedPostgres postgres;
  private final List<OperatorProcess> operators = new ArrayList<>();

  public OperatorWorld(String name) throws IOException {
    work = Files.createTempDirectory("sylvan-" + name + "-");
    pgData = work.resolve("pg");
    pgPort = TestSpecs.freePort();
    specs = work.resolve("specs");
    root = work.resolve("target");
    pm2Home = work.resolve("pm2");
    appPort = TestSpecs.freePort();
    Files.createDirectories(specs);
    Files.createDirectories(root.resolve("shared"));
    Files.createDirectories(pm2Home);
    Files.writeString(root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/app\n");
    app = NodeAppRepo.create(work.resolve("app"), "7.0.0");
    startPostgres();
  }

  /** Starts PostgreSQL on the same data directory and port as before. */
  public void startPostgres() {
    try {
      postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgData)
              .setCleanDataDirectory(false)
              .setPort(pgPort)
              .setServerConfig("listen_addresses", "localhost")
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the test PostgreSQL", e);
    }
  }

  /** Stops PostgreSQL (the data directory stays). */
  public void stopPostgres() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts an operator on this world (stopped by {@link #close()}), ready. */
  public OperatorProcess startOperator(String name, String dataDir, boolean loop) {
    return startOperator(name, settings(dataDir, loop));
  }

  /** Starts an operator with {@code settings} (stopped by {@link #close()}), ready. */
  public OperatorProcess startOperator(String name, Map<String, String> settings) {
    OperatorProcess operator = new OperatorProcess(name, settings);
    operators.add(operator);
    return operator.start();
  }

  /**
   * Names {@code commit} in the spec, starts an operator with the loop on, waits until it serves.
   */
  public OperatorProcess startDeployed(String name, String commit) throws IOException {
    writeSpec(commit);
    OperatorProcess operator = startOperator(name, "data", true);
    awaitSynced(operator, commit);
    return operator;
  }

  /** The settings of an operator on this world; {@code dataDir} names its own data dir. */
  public Map<String, String> settings(String dataDir, boolean loop) {
    Map<String, String> s = new HashMap<>();
    s.put("SYLVAN_DATA_DIR", work.resolve(dataDir).toString());
    s.put("SYLVAN_SPECS_DIRECTORY", specs.toString());
    s.put("SYLVAN_SPECS_POLL_INTERVAL", "1s");
    s.put("SYLVAN_RECONCILE_TICK", "1s");
    s.put("SYLVAN_RECONCILE_ENABLED", Boolean.toString(loop));
    s.put("SYLVAN_PM2_COMMAND", TestTools.pm2().toString());
    s.put("SYLVAN_PM2_HOME", pm2Home.toString());
    s.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl());
    s.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
    s.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
    return s;
  }

  /** Writes the environment's spec for {@code commit} (atomically: the operator polls it). */
  public void writeSpec(String commit) throws IOException {
    Path tmp = specs.resolve(ENV + ".yaml.tmp");
    Files.writeString(tmp, TestSpecs.yaml(ENV, APP, app.dir(), commit, root, appPort, ""));
    Files.move(tmp, specs.resolve(ENV + ".yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + pgPort + "/postgres";
  }

  /** Rows of a query as column-name maps. */
  public List<Map<String, Object>> query(String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> row = new HashMap<>();
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public long count(String sql, Object... args) {
    return ((Number) query(sql, args).get(0).values().iterator().next()).longValue();
  }

  /** The id of the deployment of {@code commit} whose step {@code step} runs now, or null. */
  public Long runningStep(String commit, String step) {
    return runningStep(ENV, commit, step);
  }

  /** As {@link #runningStep(String, String)} for environment {@code env}. */
  public Long runningStep(String env, String commit, String step) {
    List<Map<String, Object>> rows =
        query(
            "select d.id from deployment d join deployment_step s on s.deployment_id = d.id"
                + " where d.environment = ? and d.git_commit = ? and s.name = ?"
                + " and s.status = 'running'",
            env,
            commit,
            step);
    return rows.isEmpty() ? null : ((Number) rows.get(0).get("id")).longValue();
  }

  /** The commit the app reports at {@code /api/health} when it answers 200, else null. */
  public String servedCommit() {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/api/health"))
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

  /** A commit whose build waits while {@code gate} exists (at most a minute). */
  public String commitGatedBuild(Path gate, String message) throws IOException {
    Path build = app.dir().resolve("build.js");
    String original = Files.readString(build);
    String wait =
        "'use strict';\n"
            + "(function waitGate() {\n"
            + "  const until = Date.now() + 60000;\n"
            + "  const cell = new Int32Array(new SharedArrayBuffer(4));\n"
            + "  while (require('fs').existsSync("
            + jsString(gate)
            + ") && Date.now() < until) Atomics.wait(cell, 0, 0, 200);\n"
            + "})();\n";
    Files.writeString(build, wait + original.replace("'use strict';", ""));
    String sha = app.commit(message + ": build waits while gated");
    Files.writeString(build, original);
    return sha;
  }

  /** A commit whose server starts listening only once {@code gate} is gone (at most a minute). */
  public String commitGatedListen(Path gate, String message) throws IOException {
    Path server = app.dir().resolve("server.js");
    String original = Files.readString(server);
    String delayed =
        original.replace(
            "server.listen(port, () => {",
            "const listenBy = Date.now() + 60000;\n"
                + "(function listenWhenOpen() {\n"
                + "  if (require('fs').existsSync("
                + jsString(gate)
                + ") && Date.now() < listenBy) return setTimeout(listenWhenOpen, 200);\n"
                + "server.listen(port, () => {");
    if (delayed.equals(original)) {
      throw new IllegalStateException("server.js changed: cannot gate its listen");
    }
    Files.writeString(server, delayed.trim() + "\n})();\n");
    String sha = app.commit(message + ": listens once ungated");
    Files.writeString(server, original);
    return sha;
  }

  private static String jsString(Path p) {
    return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** Waits until step {@code step} of a deployment of {@code commit} runs; its deployment id. */
  public long awaitRunning(String commit, String step) {
    return awaitRunning(ENV, commit, step);
  }

  /** Waits until a deployment of {@code commit} in {@code env} runs {@code step}; its id. */
  public long awaitRunning(String env, String commit, String step) {
    Long[] id = new Long[1];
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> (id[0] = runningStep(env, commit, step)) != null);
    return id[0];
  }

  /** Waits until {@code GET /status} shows the environment Synced on {@code commit}, served. */
  public void awaitSynced(OperatorProcess operator, String commit) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              var e = operator.environment(ENV);
              return e != null
                  && "Synced".equals(e.path("sync").asText())
                  && commit.equals(e.path("actualCommit").asText())
                  && commit.equals(servedCommit());
            });
  }

  @Override
  public void close() {
    operators.forEach(OperatorProcess::stop);
    try {
      TestTools.pm2(pm2Home).killDaemon();
    } catch (RuntimeException e) {
      // best effort: the daemon may never have started
    }
    try {
      if (postgres != null) {
        postgres.close();
      }
    } catch (IOException | RuntimeException e) {
      // already stopped
    }
    try (Stream<Path> all = Files.walk(work)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // leftovers in the temp dir are harmless
    }
  }
}
