package io.sylvan.operator.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Flyway schema on a real PostgreSQL: migrations, round trips, wire values, index use. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class SchemaTest {

  static final String SHA_A = "a".repeat(40);
  static final String SHA_B = "b".repeat(40);

  @Inject AgroalDataSource dataSource;

  @Test
  void migrations_apply_to_the_empty_database_and_create_the_tables() throws SQLException {
    assertThat(
            queryStrings(
                "select version || ':' || success from flyway_schema_history"
                    + " where version is not null order by installed_rank"))
        .containsExactlyElementsOf(migrationsOnDisk());
    assertThat(
            queryStrings(
                "select table_name from information_schema.tables where table_schema = 'public'"
                    + " and table_name <> 'flyway_schema_history' order by table_name"))
        .containsExactly(
            "deployment",
            "deployment_step",
            "environment",
            "health_check_result",
            "node",
            "rollout",
            "rollout_node",
            "run_lease");
  }

  /** "N:true" for every V<N>__*.sql the build ships, in version order. */
  static List<String> migrationsOnDisk() {
    try (var files =
        java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.matches("V\\d+__.+\\.sql"))
          .map(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
          .sorted()
          .map(v -> v + ":true")
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void an_environment_round_trips_with_its_conditions_as_json() throws SQLException {
    String name = "schema-env-" + System.nanoTime();
    Instant since = Instant.now().truncatedTo(ChronoUnit.MICROS);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = name;
              e.desiredCommit = SHA_A;
              e.lastGoodCommit = SHA_B;
              e.sync = SyncStatus.OUT_OF_SYNC;
              e.health = AppHealth.DEGRADED;
              e.suspended = true;
              e.observedAt = since;
              e.conditions =
                  new ArrayList<>(
                      List.of(
                          new Condition("Ready", false, "HealthCheckFailed", "http: 500", since),
                          new Condition("Stalled", true, "InvalidSpec", "a \"quoted\" ✓", since)));
              e.persist();
            });
    EnvironmentState back =
        QuarkusTransaction.requiringNew()
            .call(() -> EnvironmentState.findByName(name, TestRows.node()).orElseThrow());
    assertThat(back.desiredCommit).isEqualTo(SHA_A);
    assertThat(back.lastGoodCommit).isEqualTo(SHA_B);
    assertThat(back.sync).isEqualTo(SyncStatus.OUT_OF_SYNC);
    assertThat(back.health).isEqualTo(AppHealth.DEGRADED);
    assertThat(back.suspended).isTrue();
    assertThat(back.observedAt).isEqualTo(since);
    assertThat(back.conditions)
        .containsExactly(
            new Condition("Ready", false, "HealthCheckFailed", "http: 500", since),
            new Condition("Stalled", true, "InvalidSpec", "a \"quoted\" ✓", since));
    assertThat(
            queryStrings(
                "select sync_status || '|' || health_status || '|' || jsonb_typeof(conditions)"
                    + " || '|' || (conditions -> 1 ->> 'reason') from environment where name = '"
                    + name
                    + "'"))
        .containsExactly("OutOfSync|Degraded|array|InvalidSpec");
  }

  @Test
  void a_deployment_with_steps_and_health_checks_round_trips_with_wire_values()
      throws SQLException {
    String env = TestRows.environment();
    String longOutput = "x".repeat(20_000) + "THE END";
    Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
    long id =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Deployment d = TestRows.deployment(env, DeploymentStatus.ROLLED_BACK);
                  d.type = DeploymentType.ROLLBACK;
                  d.startedAt = started;
                  d.endedAt = started.plusSeconds(12);
                  d.version = "1.2.3";
                  d.backupPath = "backups/backup_20240101_000000";
                  d.errorStep = "health-check";
                  d.errorMessage = "http check failed";
                  d.errorCode = "HEALTH_CHECK_FAILED";
                  d.force = true;
                  d.skipBackup = true;
                  d.persist();
                  DeploymentStepRecord s = new DeploymentStepRecord();
                  s.deploymentId = d.id;
                  s.seq = 1;
                  s.name = "build";
                  s.phase = "BUILD";
                  s.status = StepStatus.COMPLETED;
                  s.startedAt = started;
                  s.endedAt = started.plusSeconds(3);
                  s.durationMs = 3000L;
                  s.output = DeploymentStepRecord.tail(longOutput);
                  s.persist();
                  HealthCheckRecord h = new HealthCheckRecord();
                  h.environment = env;
                  h.deploymentId = d.id;
                  h.status = HealthStatus.UNHEALTHY;
                  h.checks = new LinkedHashMap<>(Map.of("http", "fail", "api", "pass"));
                  h.responseTimeMs = 42L;
                  h.memoryUsageMb = 256L;
                  h.cpuUsagePercent = 12.5;
                  h.gitCommit = SHA_A;
                  h.checkedAt = started.plusSeconds(10);
                  h.persist();
                  return d.id;
                });

    Deployment d = QuarkusTransaction.requiringNew().call(() -> Deployment.findById(id));
    assertThat(d.environment).isEqualTo(env);
    assertThat(d.type).isEqualTo(DeploymentType.ROLLBACK);
    assertThat(d.status).isEqualTo(DeploymentStatus.ROLLED_BACK);
    assertThat(d.startedAt).isEqualTo(started);
    assertThat(d.endedAt).isEqualTo(started.plusSeconds(12));
    assertThat(d.gitCommit).isEqualTo(TestRows.SHA);
    assertThat(d.version).isEqualTo("1.2.3");
    assertThat(d.errorCode).isEqualTo("HEALTH_CHECK_FAILED");
    assertThat(d.trigger).isEqualTo(Trigger.API);
    assertThat(d.force).isTrue();
    assertThat(d.skipBackup).isTrue();
    assertThat(d.skipHealthCheck).isFalse();

    List<DeploymentStepRecord> steps =
        QuarkusTransaction.requiringNew().call(() -> DeploymentStepRecord.findByDeployment(id));
    assertThat(steps).hasSize(1);
    assertThat(steps.get(0).status).isEqualTo(StepStatus.COMPLETED);
    assertThat(steps.get(0).durationMs).isEqualTo(3000L);
    assertThat(steps.get(0).output)
        .hasSize(DeploymentStepRecord.OUTPUT_TAIL_CHARS)
        .startsWith("…")
        .endsWith("THE END");

    List<HealthCheckRecord> checks =
        QuarkusTransaction.requiringNew().call(() -> HealthCheckRecord.findByDeployment(id));
    assertThat(checks).hasSize(1);
    HealthCheckRecord h = checks.get(0);
    assertThat(h.status).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(h.checks).containsExactlyInAnyOrderEntriesOf(Map.of("http", "fail", "api", "pass"));
    assertThat(h.responseTimeMs).isEqualTo(42L);
    assertThat(h.memoryUsageMb).isEqualTo(256L);
    assertThat(h.cpuUsagePercent).isEqualTo(12.5);

    assertThat(
            queryStrings(
                "select type || '|' || status || '|' || trigger from deployment where id = " + id))
        .containsExactly("rollback|rolled_back|api");
    assertThat(
            queryStrings(
                "select status || '|' || length(output) from deployment_step where deployment_id = "
                    + id))
        .containsExactly("completed|" + DeploymentStepRecord.OUTPUT_TAIL_CHARS);
    assertThat(
            queryStrings(
                "select status || '|' || (checks ->> 'http') from health_check_result"
                    + " where deployment_id = "
                    + id))
        .containsExactly("unhealthy|fail");
  }

  @Test
  void every_deployment_status_is_stored_as_the_seed_wire_value() throws SQLException {
    String env = TestRows.environment();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (DeploymentStatus s : DeploymentStatus.values()) {
                TestRows.deployment(env, s).persist();
              }
            });
    assertThat(
            queryStrings(
                "select status from deployment where environment = '" + env + "' order by id"))
        .containsExactly("in_progress", "success", "failed", "rolled_back");
  }

  @Test
  void every_trigger_is_stored_as_its_wire_value_the_automatic_rollback_included()
      throws SQLException {
    String env = TestRows.environment();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (Trigger t : Trigger.values()) {
                Deployment d = TestRows.deployment(env, DeploymentStatus.SUCCESS);
                d.trigger = t;
                d.persist();
              }
            });
    assertThat(
            queryStrings(
                "select trigger from deployment where environment = '" + env + "' order by id"))
        .containsExactly("schedule", "webhook", "manual", "api", "startup", "auto-rollback");
  }

  @Test
  void the_output_tail_keeps_short_text_and_caps_long_text_at_8192_characters() {
    assertThat(DeploymentStepRecord.tail(null)).isNull();
    assertThat(DeploymentStepRecord.tail("short")).isEqualTo("short");
    String exact = "y".repeat(DeploymentStepRecord.OUTPUT_TAIL_CHARS);
    assertThat(DeploymentStepRecord.tail(exact)).isEqualTo(exact);
    String longer = "0123456789".repeat(1000);
    assertThat(DeploymentStepRecord.tail(longer))
        .hasSize(DeploymentStepRecord.OUTPUT_TAIL_CHARS)
        .endsWith(longer.substring(longer.length() - 100));
  }

  @Test
  void the_history_query_by_environment_uses_the_environment_index() throws SQLException {
    // A long history where busy environments dominate and the asked-for one is rare: scanning
    // the primary key backwards and filtering would read most of the table. (With a few
    // environments of equal size on a small table, that backward scan is the planner's legitimate
    // and cheap choice, so this shape is what shows whether the index serves the query.)
    List<String> busy = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      busy.add(TestRows.environment());
    }
    String rare = TestRows.environment();
    try (Connection c = dataSource.getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "insert into deployment (environment, type, status, started_at, git_commit,"
                    + " trigger, node) values (?, 'update', ?, now() - make_interval(secs => ?), ?,"
                    + " 'schedule', ?)")) {
      String[] statuses = {"success", "failed", "rolled_back", "success"};
      int rows = 20_000;
      for (int i = 0; i < rows; i++) {
        insert.setString(1, i % 400 == 0 ? rare : busy.get(i % busy.size()));
        insert.setString(2, statuses[i % statuses.length]);
        insert.setInt(3, rows - i);
        insert.setString(4, i % 2 == 0 ? SHA_A : SHA_B);
        insert.setString(5, TestRows.node());
        insert.addBatch();
      }
      insert.executeBatch();
      try (Statement st = c.createStatement()) {
        st.execute("analyze deployment");
      }
    }
    // The SQL Hibernate issues for Deployment.findHistory(env, null, null, 20).
    String sql =
        "explain select d.id, d.environment, d.status from deployment d"
            + " where 1 = 1 and d.environment = '"
            + rare
            + "' order by d.id desc fetch first 20 rows only";
    String plan = String.join("\n", queryStrings(sql));
    assertThat(plan).contains("deployment_env_id_idx").doesNotContain("Seq Scan");

    // And the page after a given id.
    String paged =
        String.join(
            "\n",
            queryStrings(
                "explain select d.id from deployment d where 1 = 1 and d.environment = '"
                    + rare
                    + "' and d.id < 1000000 order by d.id desc fetch first 20 rows only"));
    assertThat(paged).contains("deployment_env_id_idx");
  }

  private List<String> queryStrings(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
