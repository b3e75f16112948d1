package io.sylvan.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator ({@code target/quarkus-app/quarkus-run.jar}) as a user runs it: the
 * embedded PostgreSQL keeps its rows across a restart and leaves no process behind after SIGTERM;
 * an external database that does not answer makes readiness DOWN instead of a crash loop.
 */
class EmbeddedDatabaseIT {

  static final String TOKEN = "it-token-" + System.nanoTime();
  static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Process> started = new ArrayList<>();
  Path work;
  Path dataDir;
  Path specsDir;
  Path pm2Home;

  @BeforeEach
  void prepareDirectories() throws IOException {
    work = Files.createTempDirectory("sylvan-it-");
    dataDir = work.resolve("data");
    specsDir = Files.createDirectories(work.resolve("specs"));
    pm2Home = Files.createDirectories(work.resolve("pm2"));
    try (Stream<Path> specs = Files.list(Path.of("deploy-specs"))) {
      for (Path p : specs.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        Files.copy(p, specsDir.resolve(p.getFileName()));
      }
    }
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
    // Never leave a postgres behind, even when an assertion failed half-way.
    for (long pid : postgresPidsUsing(dataDir)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
  }

  @Test
  void rows_survive_a_restart_and_no_postgres_outlives_the_operator() throws Exception {
    int port = freePort();
    Path log1 = work.resolve("operator-1.log");

    long t0 = System.nanoTime();
    Process first = start(port, Map.of(), log1);
    awaitReady(first, port, log1);
    long coldMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(Files.readString(log1))
        .contains("Database: embedded PostgreSQL 15")
        .doesNotContain("external PostgreSQL");
    assertThat(postgresPidsUsing(dataDir))
        .as("embedded postgres runs in the data dir")
        .isNotEmpty();
    assertThat(Files.isDirectory(dataDir.resolve("postgres"))).isTrue();

    HttpResponse<String> status = get(port, "/status/production");
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"suspended\":false");

    HttpResponse<String> suspend =
        http.send(
            HttpRequest.newBuilder(uri(port, "/environments/production/suspend"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(suspend.statusCode()).as(suspend.body()).isEqualTo(200);
    assertThat(get(port, "/status/production").body()).contains("\"suspended\":true");

    stop(first);
    assertThat(postgresPidsUsing(dataDir)).as("postgres left after SIGTERM").isEmpty();
    assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid"))).isFalse();

    Path log2 = work.resolve("operator-2.log");
    long t1 = System.nanoTime();
    Process second = start(port, Map.of(), log2);
    awaitReady(second, port, log2);
    long warmMs = (System.nanoTime() - t1) / 1_000_000;

    assertThat(Files.readString(log2)).contains("Database: embedded PostgreSQL 15");
    assertThat(get(port, "/status/production").body())
        .as("the suspension recorded before the restart")
        .contains("\"suspended\":true");
    assertThat(get(port, "/status/test").body()).contains("\"suspended\":false");

    stop(second);
    assertThat(postgresPidsUsing(dataDir)).isEmpty();

    String timing =
        "time-to-ready (packaged operator, embedded PostgreSQL): cold data dir "
            + coldMs
            + " ms, warm data dir "
            + warmMs
            + " ms\n";
    System.out.print(timing);
    Files.writeString(
        Path.of("target", "embedded-database-time-to-ready.txt"), timing, StandardCharsets.UTF_8);
  }

  @Test
  void stopsWithinTenSecondsOfSigtermAndStopsItsDatabaseOnlyAfterQuarkus() throws Exception {
    int port = freePort();
    Path log = work.resolve("operator-stop.log");
    Process operator = start(port, Map.of(), log);
    awaitReady(operator, port, log);

    double seconds = stopAndTime(operator);
    String line = String.format("SIGTERM to exit (idle, embedded database): %.2f s%n", seconds);
    System.out.print(line);
    Files.writeString(
        Path.of("target", "embedded-database-stop-idle.txt"), line, StandardCharsets.UTF_8);

    assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(10);
    assertThat(postgresPidsUsing(dataDir)).as("postgres left after SIGTERM").isEmpty();
    String text = Files.readString(log);
    int quarkusStopped = text.indexOf(" stopped in ");
    int databaseStopped = text.indexOf("Embedded PostgreSQL stopped");
    assertThat(quarkusStopped).as("Quarkus logged its stop; log:\n%s", text).isPositive();
    assertThat(databaseStopped)
        .as("the database stops after Quarkus; log:\n%s", text)
        .isGreaterThan(quarkusStopped);
  }

  @Test
  void theOperatorsEmbeddedDatabaseRunsWithFsyncSynchronousCommitAndFullPageWritesOn()
      throws Exception {
    int port = freePort();
    int pgPort = freePort();
    Path log = work.resolve("operator-durable.log");
    Process operator =
        start(port, Map.of("SYLVAN_DATABASE_EMBEDDED_PORT", Integer.toString(pgPort)), log);
    awaitReady(operator, port, log);

    Map<String, String> settings = new HashMap<>();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + pgPort + "/postgres", "postgres", "postgres");
        Statement st = c.createStatement()) {
      for (String name : List.of("fsync", "synchronous_commit", "full_page_writes")) {
        try (ResultSet rs = st.executeQuery("SHOW " + name)) {
          rs.next();
          settings.put(name, rs.getString(1));
        }
      }
    }
    assertThat(settings)
        .containsEntry("fsync", "on")
        .containsEntry("synchronous_commit", "on")
        .containsEntry("full_page_writes", "on");
    stop(operator);
  }

  @Test
  void an_external_database_that_does_not_answer_makes_readiness_down_not_a_crash_loop()
      throws Exception {
    int port = freePort();
    int deadDbPort = freePort();
    Path log = work.resolve("operator-external.log");
    Process operator =
        start(
            port,
            Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL",
                "jdbc:postgresql://127.0.0.1:" + deadDbPort + "/sylvan",
                "QUARKUS_DATASOURCE_USERNAME",
                "sylvan",
                "QUARKUS_DATASOURCE_PASSWORD",
                "it-secret-pw"),
            log);

    HttpResponse<String> ready = awaitHttp(operator, port, "/q/health/ready", log);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
    assertThat(ready.body())
        .contains("\"status\": \"DOWN\"")
        .contains("\"name\": \"database\"")
        .contains("reason")
        .doesNotContain("it-secret-pw");

    // Still up after the first background retry of the migrations: no crash, no restart loop.
    Thread.sleep(13_000);
    assertThat(operator.isAlive()).as("operator still running").isTrue();
    assertThat(get(port, "/q/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> again = get(port, "/q/health/ready");
    assertThat(again.statusCode()).isEqualTo(503);
    assertThat(again.body()).contains("reason").doesNotContain("it-secret-pw");

    String text = Files.readString(log);
    assertThat(text)
        .contains("Database: external PostgreSQL at jdbc:postgresql://127.0.0.1:" + deadDbPort)
        .doesNotContain("Database: embedded")
        .doesNotContain("it-secret-pw");
    assertThat(Files.exists(dataDir.resolve("postgres"))).as("nothing embedded started").isFalse();

    stop(operator);
  }

  Process start(int port, Map<String, String> extraEnv, Path log) throws IOException {
    String jar = System.getProperty("operator.jar", "target/quarkus-app/quarkus-run.jar");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(java.toString(), "-jar", Path.of(jar).toAbsolutePath().toString())
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("SYLVAN_"));
    Map<String, String> ours = new HashMap<>();
    ours.put("SYLVAN_DATA_DIR", dataDir.toString());
    ours.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    ours.put("SYLVAN_SPECS_DIRECTORY", specsDir.toString());
    ours.put("SYLVAN_PM2_HOME", pm2Home.toString());
    ours.put("SYLVAN_RECONCILE_ENABLED", "false");
    ours.put("SYLVAN_AUTH_TOKEN", TOKEN);
    ours.putAll(extraEnv);
    env.putAll(ours);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  void awaitReady(Process p, int port, Path log) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("operator exited early; log:\n%s", Files.readString(log)).isTrue();
      try {
        HttpResponse<String> r = get(port, "/q/health/ready");
        if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready in " + READY_TIMEOUT + "; log:\n" + Files.readString(log));
  }

  HttpResponse<String> awaitHttp(Process p, int port, String path, Path log) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("operator exited; log:\n%s", Files.readString(log)).isTrue();
      try {
        return get(port, path);
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError("no answer on " + path + "; log:\n" + Files.readString(log));
  }

  /** SIGTERM; the seconds until the process exited (killed after 60 s). */
  static double stopAndTime(Process p) throws InterruptedException {
    long t0 = System.nanoTime();
    p.destroy();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!exited) {
      p.destroyForcibly();
    }
    return seconds;
  }

  void stop(Process p) throws InterruptedException {
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("operator exits after SIGTERM").isTrue();
  }

  HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(int port, String path) {
    return URI.create("http://localhost:" + port + path);
  }

  /** Live postgres processes whose command line names {@code dir} (read from /proc). */
  static List<Long> postgresPidsUsing(Path dir) {
    if (dir == null) {
      return List.of();
    }
    String needle = dir.toAbsolutePath().normalize().toString();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          if (cmd.contains("postgres") && cmd.contains(needle)) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pids;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
