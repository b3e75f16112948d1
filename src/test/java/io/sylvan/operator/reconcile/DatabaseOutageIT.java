package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * PostgreSQL stopped for ~20 s under a running operator (loop on): readiness DOWN with the reason,
 * liveness UP (the loop keeps ticking), no deployment starts even though the spec names a new
 * commit; once PostgreSQL is back on the same data dir and port, the operator recovers by itself,
 * deploys the new commit, and the history from before is all there. Then an outage in the middle of
 * a build: the run cannot record its end, and once the database is back the operator closes it as
 * failed (INTERRUPTED) by itself and deploys the commit again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseOutageIT {

  @AutoClose static OperatorWorld world;
  static OperatorProcess operator;

  @BeforeAll
  static void start() throws Exception {
    world = new OperatorWorld("db-outage");
    operator = world.startDeployed("db-outage", world.app.commitChange("A"));
  }

  @Test
  @Order(1)
  void waitsOutADatabaseOutageAndCatchesUpByItself() throws Exception {
    List<Map<String, Object>> before = world.query("select id, status from deployment order by id");
    assertThat(before).isNotEmpty();

    world.stopPostgres();
    long outageStart = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> operator.status("/q/health/ready") == 503);
    HttpResponse<String> ready = operator.get("/q/health/ready");
    JsonNode database = check(OperatorProcess.JSON.readTree(ready.body()), "database");
    assertThat(database.path("status").asText()).isEqualTo("DOWN");
    assertThat(database.path("data").path("reason").asText()).isNotBlank();

    // The spec names a new commit during the outage: nothing may start without the database.
    String b = world.app.commitChange("B");
    world.writeSpec(b);
    while (System.nanoTime() - outageStart < Duration.ofSeconds(20).toNanos()) {
      assertThat(operator.status("/q/health/live")).as("liveness during the outage").isEqualTo(200);
      assertThat(operator.alive()).isTrue();
      OperatorProcess.sleep(1_000);
    }
    assertThat(world.servedCommit()).as("the old release keeps serving").isNotEqualTo(b);

    world.startPostgres();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> operator.status("/q/health/ready") == 200);
    world.awaitSynced(operator, b);

    List<Map<String, Object>> after = world.query("select id, status from deployment order by id");
    assertThat(after).containsAll(before);
    assertThat(after.size()).isGreaterThan(before.size());
    // The first deployment after the outage is the one of B: none started while it was down.
    assertThat(world.count("select count(*) from deployment where git_commit = ?", b)).isOne();
    assertThat(world.count("select count(*) from deployment where status = 'in_progress'"))
        .isZero();
    assertThat(operator.status("/q/health/live")).isEqualTo(200);
  }

  @Test
  @Order(2)
  void closesARunThatLostItsDatabaseAndDeploysAgain() throws Exception {
    java.nio.file.Path gate = world.work.resolve("gate-build");
    java.nio.file.Files.writeString(gate, "hold\n");
    String c = world.commitGatedBuild(gate, "C");
    world.writeSpec(c);
    long id = world.awaitRunning(c, "Building application");

    world.stopPostgres();
    OperatorProcess.sleep(5_000);
    // The build ends while the database is down: the run cannot record it.
    java.nio.file.Files.delete(gate);
    OperatorProcess.sleep(10_000);
    assertThat(operator.status("/q/health/live")).isEqualTo(200);
    world.startPostgres();

    world.awaitSynced(operator, c);
    Map<String, Object> lost =
        world.query("select status, error_code from deployment where id = ?", id).get(0);
    assertThat(lost.get("status")).isEqualTo("failed");
    assertThat(lost.get("error_code")).isIn("INTERRUPTED", "INTERNAL");
    assertThat(world.count("select count(*) from deployment where status = 'in_progress'"))
        .isZero();
    assertThat(
            world.count(
                "select count(*) from deployment where git_commit = ? and status = 'success'", c))
        .isOne();
  }

  static JsonNode check(JsonNode health, String name) {
    for (JsonNode c : health.path("checks")) {
      if (name.equals(c.path("name").asText())) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + health);
  }
}
