package io.sylvan.operator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backup of the operator's database while it records deployments, and restore into a fresh embedded
 * database: real PostgreSQL 15 servers and the host's pg_dump/pg_restore (postgresql-client-15).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class DatabaseBackupTest {

  static final int STEPS = 3;

  @Inject AgroalDataSource dataSource;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String jdbcUrl;

  Path work;

  @BeforeEach
  void createWorkFolder() throws IOException {
    work = Files.createTempDirectory("sylvan-db-backup-");
  }

  @AfterEach
  void deleteWorkFolder() throws IOException {
    try (Stream<Path> s = Files.walk(work)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void aBackupTakenWhileDeploymentsAreRecordedRestoresTheWholeHistoryIntoAFreshDatabase()
      throws Exception {
    String env = TestRows.environment();
    List<Long> before = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      before.add(recordDeployment(env));
    }
    List<Long> during = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              while (!stop.get()) {
                during.add(recordDeployment(env));
              }
            },
            "deployments-during-backup");
    writer.start();
    Path dump = work.resolve("sylvan.dump");
    try {
      while (during.size() < 3) {
        Thread.sleep(10);
      }
      new DatabaseBackup(Optional.empty()).backup(URI.create(jdbcUrl.substring(5)).getPort(), dump);
    } finally {
      stop.set(true);
      writer.join();
    }
    assertThat(dump).isNotEmptyFile();

    Path pgDir = work.resolve("restored/postgres");
    new DatabaseBackup(Optional.empty()).restore(dump, pgDir);

    try (EmbeddedDatabase restored = EmbeddedDatabase.start(pgDir, 0, false);
        Connection r = DriverManager.getConnection(restored.jdbcUrl());
        Connection live = dataSource.getConnection()) {
      assertThat(DatabaseBackup.runningPort(pgDir)).isEqualTo(restored.port());
      List<String> restoredRows = deployments(r, env);
      List<Long> restoredIds = restoredRows.stream().map(DatabaseBackupTest::id).toList();
      assertThat(restoredIds).containsAll(before);
      List<Long> recorded = new ArrayList<>(before);
      recorded.addAll(during);
      assertThat(recorded).containsAll(restoredIds);
      // The same rows, column for column, as the live database has for those ids.
      assertThat(restoredRows)
          .isEqualTo(
              deployments(live, env).stream()
                  .filter(row -> restoredIds.contains(id(row)))
                  .toList());
      // One snapshot: no deployment without its steps, though the writer never paused.
      for (long id : restoredIds) {
        assertThat(count(r, "select count(*) from deployment_step where deployment_id = ?", id))
            .as("steps of deployment %d", id)
            .isEqualTo(STEPS);
      }
      assertThat(rows(r, "select version, checksum from flyway_schema_history order by 1"))
          .isEqualTo(rows(live, "select version, checksum from flyway_schema_history order by 1"));
      System.out.printf(
          "backup: %d deployments before, %d recorded while it ran, %d restored, dump %d bytes%n",
          before.size(), during.size(), restoredIds.size(), Files.size(dump));
    }
  }

  @Test
  void aRestoreRefusesAFolderThatAlreadyHoldsADatabase() throws IOException {
    Path pgDir = Files.createDirectories(work.resolve("postgres"));
    Files.writeString(pgDir.resolve("PG_VERSION"), "15\n");
    Path dump = Files.writeString(work.resolve("x.dump"), "x");

    assertThatThrownBy(() -> new DatabaseBackup(Optional.empty()).restore(dump, pgDir))
        .hasMessageContaining(pgDir + " already holds a database")
        .hasMessageContaining("move that folder aside");
    assertThat(pgDir.resolve("PG_VERSION")).hasContent("15\n");
  }

  @Test
  void aBackupOfAFolderWhereNoDatabaseRunsSaysSo() throws IOException {
    Path pgDir = Files.createDirectories(work.resolve("postgres"));

    assertThatThrownBy(() -> new DatabaseBackup(Optional.empty()).backup(pgDir, work.resolve("f")))
        .hasMessageContaining("no PostgreSQL runs in " + pgDir)
        .hasMessageContaining("is the operator running?");
    Files.writeString(pgDir.resolve("postmaster.pid"), "2147483000\n" + pgDir + "\n0\n5432\n");
    assertThatThrownBy(() -> DatabaseBackup.runningPort(pgDir))
        .hasMessageContaining("stale postmaster.pid");
  }

  /** A finished deployment with its steps, in one transaction (as a whole run would leave it). */
  private static long recordDeployment(String env) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Deployment d = TestRows.deployment(env, DeploymentStatus.SUCCESS);
              d.node = TestRows.node();
              d.persist();
              for (int seq = 1; seq <= STEPS; seq++) {
                DeploymentStepRecord s = new DeploymentStepRecord();
                s.deploymentId = d.id;
                s.seq = seq;
                s.name = "step " + seq;
                s.phase = "BUILD";
                s.status = StepStatus.COMPLETED;
                s.persist();
              }
              return d.id;
            });
  }

  private static List<String> deployments(Connection c, String env) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select id, environment, node, type, status, git_commit, trigger, started_at"
                + " from deployment where environment = ? order by id")) {
      ps.setString(1, env);
      return collect(ps);
    }
  }

  private static List<String> rows(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      return collect(ps);
    }
  }

  private static List<String> collect(PreparedStatement ps) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(row.toString());
      }
    }
    return out;
  }

  private static long count(Connection c, String sql, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static long id(String row) {
    return Long.parseLong(row.substring(0, row.indexOf('|')));
  }
}
