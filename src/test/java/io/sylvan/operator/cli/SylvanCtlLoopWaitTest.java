package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code sylvanctl sync --wait} and {@code rollback --wait} against an operator whose reconcile
 * loop carries them out, deploying the plain Node fixture under a real PM2: the CLI follows the
 * deployment its request caused, or says there was nothing to do.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestProfile(LoopWaitTestProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SylvanCtlLoopWaitTest {

  static final NodeFixture F = LoopWaitTestProfile.FIXTURE;

  @TestHTTPResource("/")
  URL server;

  Ctl ctl(String... args) {
    return Ctl.against(server, LoopWaitTestProfile.TOKEN, args);
  }

  /** Waits for the loop to serve {@code commit}, healthy. */
  void servedByTheLoop(String commit) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      var status = RestAssured.get("/status/" + F.env).then().extract().jsonPath();
      if (commit.equals(status.getString("actualCommit"))
          && "Healthy".equals(status.getString("health"))
          && "Synced".equals(status.getString("sync"))) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        commit + " not served in time: " + RestAssured.get("/status/" + F.env).asString());
  }

  @Test
  @Order(1)
  void syncWaitEndsWithTheEnvironmentInSyncAndSaysSoWhenThereIsNothingToDo() throws Exception {
    // The loop deploys A on its own; a sync meanwhile follows it or finds it done.
    Ctl first = ctl("sync", F.env, "--wait", "--no-tty");
    assertThat(first.exitCode()).as(first.all()).isZero();
    servedByTheLoop(F.commitA);

    Ctl again = ctl("sync", F.env, "--wait", "--no-tty");

    assertThat(again.exitCode()).as(again.all()).isZero();
    assertThat(again.out())
        .contains(F.env + " is in sync at " + Commits.short12(F.commitA) + "; nothing to deploy")
        .doesNotContain("deployment ");
  }

  @Test
  @Order(2)
  void rollbackWaitFollowsTheRollbackToTheCommitTheOperatorAnswered() throws Exception {
    String b = F.repo.commitChange("B");
    F.desire(b);
    servedByTheLoop(b);

    String reason = "checkout slower since B, see https://ops:hunter2pass@grafana.example/d/1";
    Ctl r = ctl("rollback", F.env, "--wait", "--no-tty", "--reason", reason);

    assertThat(r.exitCode()).as(r.all()).isZero();
    // The reason is on the rollback's row, with the pasted URL's credentials masked.
    var latest = RestAssured.get("/deployments?env=" + F.env + "&limit=1").then().extract();
    assertThat(latest.jsonPath().getString("[0].type")).isEqualTo("rollback");
    assertThat(latest.jsonPath().getString("[0].reason"))
        .isEqualTo("checkout slower since B, see https://***@grafana.example/d/1");
    assertThat(r.out())
        .contains("rollback of " + F.env + " accepted: to " + Commits.short12(F.commitA))
        .containsPattern(
            "deployment \\d+ started: rollback of " + F.env + " to " + Commits.short12(F.commitA))
        .containsPattern("  ok Switching current release \\(\\d+\\.\\ds\\)")
        .containsPattern("deployment \\d+ success in ")
        .doesNotContain(F.canary);
  }
}
