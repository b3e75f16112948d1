package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * kill -9 of an operator (loop on) in the middle of a deployment, then a restart on the same
 * database and data dir: the interrupted deployment is closed as failed (OPERATOR_RESTARTED),
 * nothing stays in_progress, and the app ends up serving a healthy commit. The fixture's slow
 * phases are held open by gate files the test removes after the kill.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashRecoveryIT {

  static final Duration DEPLOY = Duration.ofMinutes(2);

  @AutoClose static OperatorWorld world;
  static OperatorProcess operator;
  static Path buildGate;
  static Path listenGate;
  static String commitA;
  static String commitB;

  @BeforeAll
  static void start() throws Exception {
    world = new OperatorWorld("crash");
    buildGate = world.work.resolve("gate-build");
    listenGate = world.work.resolve("gate-listen");
    commitA = world.app.commitChange("A");
    operator = world.startDeployed("crash", commitA);
  }

  @Test
  @Order(1)
  void recoversFromAKillDuringTheBuild() throws Exception {
    commitB = world.commitGatedBuild(buildGate, "B");
    long id = killDuring(commitB, "Building application", buildGate);

    await()
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> "failed".equals(deployment(id).get("status")));
    assertThat(deployment(id).get("error_code")).isEqualTo("OPERATOR_RESTARTED");
    world.awaitSynced(operator, commitB);
    assertThat(world.servedCommit()).isEqualTo(commitB);
    assertNoneInProgress();
  }

  @Test
  @Order(2)
  void recoversFromAKillDuringTheReload() throws Exception {
    String commitC = world.commitGatedListen(listenGate, "C");
    long id = killDuring(commitC, "Reloading PM2", listenGate);

    await()
        .atMost(DEPLOY)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                !"in_progress".equals(deployment(id).get("status"))
                    && world.count("select count(*) from deployment where status = 'in_progress'")
                        == 0
                    && settled(operator.environment(OperatorWorld.ENV))
                    && world.servedCommit() != null);
    assertThat(deployment(id).get("error_code")).isEqualTo("OPERATOR_RESTARTED");
    assertThat(world.servedCommit()).isIn(commitC, commitB);
    JsonNode env = operator.environment(OperatorWorld.ENV);
    assertThat(condition(env, "Reconciling").path("status").asBoolean()).isFalse();
    JsonNode ready = condition(env, "Ready");
    JsonNode stalled = condition(env, "Stalled");
    if (!ready.path("status").asBoolean()) {
      assertThat(stalled.path("status").asBoolean()).as("Ready or Stalled: %s", env).isTrue();
      assertThat(stalled.path("reason").asText()).isNotBlank();
      assertThat(stalled.path("message").asText()).isNotBlank();
    }
  }

  /**
   * Names {@code commit} in the spec with {@code gate} closed, kills the operator with -9 while
   * {@code step} of its deployment runs, opens the gate and restarts the operator on the same
   * database and data dir. Returns the interrupted deployment's id.
   */
  static long killDuring(String commit, String step, Path gate) throws IOException {
    Files.writeString(gate, "hold\n");
    world.writeSpec(commit);
    long id = world.awaitRunning(commit, step);
    operator.kill();
    Files.deleteIfExists(gate);
    operator.start();
    return id;
  }

  static boolean settled(JsonNode env) {
    if (env == null || condition(env, "Reconciling").path("status").asBoolean()) {
      return false;
    }
    return condition(env, "Ready").path("status").asBoolean()
        || condition(env, "Stalled").path("status").asBoolean();
  }

  static JsonNode condition(JsonNode env, String type) {
    for (JsonNode c : env.path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return OperatorProcess.JSON.createObjectNode();
  }

  static Map<String, Object> deployment(long id) {
    List<Map<String, Object>> rows =
        world.query("select status, error_code from deployment where id = ?", id);
    return rows.get(0);
  }

  static void assertNoneInProgress() {
    assertThat(world.count("select count(*) from deployment where status = 'in_progress'"))
        .isZero();
  }
}
