package io.sylvan.operator.state;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.NodeIdentity;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecParser;
import io.sylvan.operator.spec.SpecSnapshot;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two node names sharing one database: this test's operator is one node, and the test writes the
 * rows of a node named "other" directly, as another agent on the same PostgreSQL would.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class NodeScopeTest {

  static final String OTHER = "other";
  static final String OTHER_COMMIT = "d".repeat(40);

  @Inject EnvironmentService environments;
  @Inject DeploymentRecorder recorder;
  @Inject LocalNode local;
  @Inject SpecCatalog specs;
  @Inject AgroalDataSource dataSource;

  @Test
  void anAgentReadsAndWritesOnlyItsOwnNodesRowOfAnEnvironmentBothNodesRun() {
    String env = TestRows.environment();
    otherRow(env, SyncStatus.OUT_OF_SYNC, AppHealth.DEGRADED);
    long othersRun = othersDeployment(env, DeploymentStatus.IN_PROGRESS);

    environments.update(env, e -> e.actualCommit = TestRows.SHA);
    int closed = closeInterrupted(env);

    EnvironmentState mine = environments.find(env).orElseThrow();
    assertThat(mine.node).isEqualTo(local.name()).isNotEqualTo(OTHER);
    assertThat(mine.actualCommit).isEqualTo(TestRows.SHA);
    EnvironmentState theirs = othersRowOf(env);
    assertThat(theirs.actualCommit).isEqualTo(OTHER_COMMIT);
    assertThat(theirs.version).as("the other node's row was never written").isZero();
    assertThat(closed).as("the other node's run is not this node's to close").isZero();
    assertThat(recorder.environmentsInProgress()).doesNotContain(env);
    assertThat(recorder.releaseDirsInProgress(env)).isEmpty();
    assertThat(deploymentStatus(othersRun)).isEqualTo(DeploymentStatus.IN_PROGRESS);
    // The other node deployed it; this node never did: it is not established here.
    assertThat(environments.oldestFirst()).doesNotContain(env);
  }

  @Test
  void statusAggregatesEveryNodeOfAnEnvironmentAndListsEachNode() {
    String env = TestRows.environment();
    environments.update(
        env,
        e -> {
          e.actualCommit = TestRows.SHA;
          e.sync = SyncStatus.SYNCED;
          e.health = AppHealth.HEALTHY;
        });
    otherRow(env, SyncStatus.OUT_OF_SYNC, AppHealth.DEGRADED);

    JsonPath degraded = status(env);
    assertThat(degraded.getString("sync")).isEqualTo("OutOfSync");
    assertThat(degraded.getString("health")).isEqualTo("Degraded");
    assertThat(degraded.getList("nodes.name", String.class))
        .containsExactlyInAnyOrder(local.name(), OTHER);
    assertThat(degraded.getString("nodes.find { it.name == 'other' }.actualCommit"))
        .isEqualTo(OTHER_COMMIT);
    assertThat(degraded.getString("actualCommit")).as("this node's row").isEqualTo(TestRows.SHA);

    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState theirs = EnvironmentState.findByName(env, OTHER).orElseThrow();
              theirs.sync = SyncStatus.SYNCED;
              theirs.health = AppHealth.HEALTHY;
            });

    JsonPath healthy = status(env);
    assertThat(healthy.getString("sync")).isEqualTo("Synced");
    assertThat(healthy.getString("health")).isEqualTo("Healthy");
    given()
        .get("/status")
        .then()
        .statusCode(200)
        .body(
            "environments.find { it.name == '" + env + "' }.nodes.size()",
            org.hamcrest.Matchers.is(2));
  }

  @Test
  void aSingleNodesStatusIsItsOwnRowWithANodesListOfOne() {
    String env = TestRows.environment();
    environments.update(
        env,
        e -> {
          e.sync = SyncStatus.SYNCED;
          e.health = AppHealth.PROGRESSING;
        });

    JsonPath json = status(env);

    assertThat(json.getString("sync")).isEqualTo("Synced");
    assertThat(json.getString("health")).isEqualTo("Progressing");
    assertThat(json.getList("nodes.name", String.class)).containsExactly(local.name());
  }

  @Test
  void deploymentRowsNameTheirNodeAndTheHistoryFiltersByNode() {
    String env = TestRows.environment();
    otherRow(env, SyncStatus.SYNCED, AppHealth.HEALTHY);
    long mine = recorder.start(TestRows.deployment(env, DeploymentStatus.IN_PROGRESS));
    long theirs = othersDeployment(env, DeploymentStatus.SUCCESS);

    JsonPath all =
        given().get("/deployments?env=" + env).then().statusCode(200).extract().jsonPath();
    JsonPath others =
        given()
            .get("/deployments?env=" + env + "&node=" + OTHER)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();

    assertThat(all.getList("id", Long.class)).containsExactly(theirs, mine);
    assertThat(all.getList("node", String.class)).containsExactly(OTHER, local.name());
    assertThat(others.getList("id", Long.class)).containsExactly(theirs);
    given()
        .get("/deployments?node=Not_A_Node")
        .then()
        .statusCode(400)
        .body(containsString("node must be a node name"));
    // This node's latest is its own, not the other node's newer one.
    assertThat(
            QuarkusTransaction.requiringNew()
                .call(() -> Deployment.findLatest(env, local.name()).orElseThrow().id))
        .isEqualTo(mine);
  }

  @Test
  void legacyRowsWithoutANodeAreAdoptedByTheLocalNodeWithTheirHistory() throws SQLException {
    String legacy = "legacy-" + System.nanoTime();
    String clash = "legacy-clash-" + System.nanoTime();
    sql(
        "insert into environment (name, desired_commit) values (?, '" + TestRows.SHA + "')",
        legacy);
    sql(
        "insert into deployment (environment, type, status, started_at, git_commit, trigger)"
            + " values (?, 'update', 'success', now(), '"
            + TestRows.SHA
            + "', 'schedule')",
        legacy);
    sql("insert into environment (name) values (?)", clash);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = clash;
              e.node = local.name();
              e.persist();
            });

    int adopted = environments.adoptLegacyRows();

    assertThat(adopted).isGreaterThanOrEqualTo(1);
    EnvironmentState row = environments.find(legacy).orElseThrow();
    assertThat(row.desiredCommit).isEqualTo(TestRows.SHA);
    assertThat(
            QuarkusTransaction.requiringNew()
                .call(() -> Deployment.findLatest(legacy, local.name()).isPresent()))
        .as("its history came along")
        .isTrue();
    assertThat(
            QuarkusTransaction.requiringNew()
                .call(() -> EnvironmentState.findByName(clash, "").isPresent()))
        .as("a legacy row never overwrites the node's own")
        .isTrue();
  }

  @Test
  void anEnvironmentPlacedOnlyOnAnotherNodeGetsNoRowAndNoStallHere() {
    String env = "placed-elsewhere-" + (System.nanoTime() % 1_000_000);
    String yaml =
        """
        apiVersion: sylvan.io/v1
        kind: AppDeployment
        metadata:
          environment: %s
          name: %s
        spec:
          source:
            repository: https://example.invalid/app.git
            commit: %s
          target:
            root: /srv/sylvan/%s
          process:
            port: 39999
          placement:
            nodes: [other]
        """
            .formatted(env, env, TestRows.SHA, env);
    NodeIdentity me = local;
    SpecSnapshot parsed =
        new SpecParser(Map.of(), List::of, me).parseAll("rev", Map.of(env + ".yaml", yaml));
    assertThat(parsed.valid()).isEmpty();
    // What the operator loaded, plus the environment placed elsewhere.
    SpecSnapshot current = specs.current().orElseThrow();
    Map<String, DeploySpec> elsewhere = new LinkedHashMap<>(current.elsewhere());
    elsewhere.putAll(parsed.elsewhere());

    environments.applySnapshot(
        new SpecSnapshot(
            current.revision(), Instant.now(), current.valid(), current.invalid(), elsewhere));

    assertThat(environments.find(env)).isEmpty();
  }

  private JsonPath status(String env) {
    return given().get("/status/" + env).then().statusCode(200).extract().jsonPath();
  }

  private static void otherRow(String env, SyncStatus sync, AppHealth health) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = env;
              e.node = OTHER;
              e.desiredCommit = TestRows.SHA;
              e.actualCommit = OTHER_COMMIT;
              e.lastAppliedCommit = OTHER_COMMIT;
              e.sync = sync;
              e.health = health;
              e.persist();
            });
  }

  private static EnvironmentState othersRowOf(String env) {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(env, OTHER).orElseThrow());
  }

  private static long othersDeployment(String env, DeploymentStatus status) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Deployment d = TestRows.deployment(env, status);
              d.node = OTHER;
              d.releaseDir = "/srv/other/releases/x";
              d.persist();
              return d.id;
            });
  }

  private int closeInterrupted(String env) {
    return recorder.closeInterrupted(env, "OPERATOR_CRASHED", "test");
  }

  private static DeploymentStatus deploymentStatus(long id) {
    return QuarkusTransaction.requiringNew().call(() -> Deployment.<Deployment>findById(id).status);
  }

  private void sql(String statement, String value) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      ps.setString(1, value);
      ps.executeUpdate();
    }
  }
}
