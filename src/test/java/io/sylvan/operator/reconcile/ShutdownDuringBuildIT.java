package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sylvan.operator.pipeline.TestSpecs;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the packaged operator, on its embedded PostgreSQL (the product's default), while a
 * deployment's build runs: the build's processes are killed, the deployment and its running step
 * are recorded as failed (OPERATOR_STOPPED) before the database stops, and the operator exits well
 * before the 10 s after which docker and most supervisors send SIGKILL.
 */
class ShutdownDuringBuildIT {

  OperatorWorld world;
  Path gate;
  final List<Long> buildPids = new ArrayList<>();

  @AfterEach
  void cleanUp() throws IOException {
    if (gate != null) {
      Files.deleteIfExists(gate);
    }
    buildPids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    if (world != null) {
      world.close();
    }
  }

  @Test
  void aSigtermDuringABuildKillsItRecordsTheDeploymentAsStoppedAndExitsWithinTenSeconds()
      throws Exception {
    world = new OperatorWorld("sigterm");
    gate = world.work.resolve("gate-build");
    Files.writeString(gate, "hold\n");
    String commit = world.commitGatedBuild(gate, "build waits a minute");
    world.writeSpec(commit);

    int pgPort = TestSpecs.freePort();
    Map<String, String> settings = new HashMap<>(world.settings("data", true));
    settings.remove("QUARKUS_DATASOURCE_JDBC_URL");
    settings.remove("QUARKUS_DATASOURCE_USERNAME");
    settings.remove("QUARKUS_DATASOURCE_PASSWORD");
    settings.put("SYLVAN_DATABASE_EMBEDDED_PORT", Integer.toString(pgPort));
    OperatorProcess operator = new OperatorProcess("sigterm-during-build", settings);
    operator.start();
    String url = "jdbc:postgresql://localhost:" + pgPort + "/postgres";

    Long[] id = new Long[1];
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> (id[0] = runningBuild(url, commit)) != null && !buildProcesses().isEmpty());
    buildPids.addAll(buildProcesses());

    double seconds = operator.stopAndTime();
    String line = String.format("SIGTERM to exit (during a build): %.2f s%n", seconds);
    System.out.print(line);
    Files.writeString(
        Path.of("target", "operator-stop-during-build.txt"), line, StandardCharsets.UTF_8);

    assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(10);
    assertThat(buildPids.stream().filter(ShutdownDuringBuildIT::running).toList())
        .as("build processes left running")
        .isEmpty();
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(world.work.resolve("data/postgres"))
            .setCleanDataDirectory(false)
            .setServerConfig("listen_addresses", "localhost")
            .start()) {
      String pgUrl = pg.getJdbcUrl("postgres", "postgres");
      assertThat(rows(pgUrl, "select id from deployment where status = 'in_progress'"))
          .as("deployments left in_progress")
          .isEmpty();
      Map<String, Object> d =
          rows(pgUrl, "select status, error_code, error_step from deployment where id = ?", id[0])
              .get(0);
      assertThat(d)
          .containsEntry("status", "failed")
          .containsEntry("error_code", "OPERATOR_STOPPED")
          .containsEntry("error_step", "Building application");
      Map<String, Object> step =
          rows(
                  pgUrl,
                  "select status, error from deployment_step where deployment_id = ? and name = ?",
                  id[0],
                  "Building application")
              .get(0);
      assertThat(step)
          .containsEntry("status", "failed")
          .containsEntry("error", "the operator was stopped during this step");
    }
  }

  /** The id of the deployment of {@code commit} whose build runs now, or null. */
  static Long runningBuild(String url, String commit) {
    try {
      List<Map<String, Object>> r =
          rows(
              url,
              "select d.id from deployment d join deployment_step s on s.deployment_id = d.id"
                  + " where d.git_commit = ? and s.name = 'Building application'"
                  + " and s.status = 'running'",
              commit);
      return r.isEmpty() ? null : ((Number) r.get(0).get("id")).longValue();
    } catch (IllegalStateException notYet) {
      return null;
    }
  }

  /** Live processes working in a release folder of the world's target root: the build's. */
  List<Long> buildProcesses() throws IOException {
    Path releases = world.root.toAbsolutePath().normalize();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          Path cwd = Files.readSymbolicLink(proc.resolve("cwd"));
          if (cwd.startsWith(releases) && running(Long.parseLong(name))) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException | SecurityException gone) {
          // exited while we looked, or not ours
        }
      }
    }
    return pids;
  }

  /** Alive and not a zombie waiting to be reaped. */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException gone) {
      return false;
    }
  }

  static List<Map<String, Object>> rows(String url, String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<Map<String, Object>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> row = new HashMap<>();
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          out.add(row);
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
