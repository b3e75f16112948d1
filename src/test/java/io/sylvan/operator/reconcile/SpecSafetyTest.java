package io.sylvan.operator.reconcile;

import static io.restassured.RestAssured.given;
import static io.sylvan.operator.reconcile.SpecSafetyProfile.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.pipeline.ToolboxProducer;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Spec files and environments that collide, for real: a symlinked spec file is never read, a second
 * environment on alpha's port, PM2 app name or target root is held back (SpecConflict) and never
 * started while alpha serves on, both files of a duplicated environment are named, and a removed
 * spec leaves its app running with conditions of its own.
 */
@QuarkusTest
@TestProfile(SpecSafetyProfile.class)
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpecSafetyTest {

  static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(3);

  /** Several loop ticks and spec polls: long enough for a wrongly started pipeline to show. */
  static final long QUIET_MS = 4_000;

  @Inject ToolboxProducer tools;

  @Test
  @Order(1)
  void neverReadsASymlinkedSpecFileAndKeepsItsTargetOutOfStatusAndTheDatabase() {
    await()
        .ignoreExceptions()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                "Synced".equals(env("alpha").sync.wire())
                    && "Healthy".equals(env("alpha").health.wire()));
    assertThat(servedCommit(PORT_ALPHA)).isEqualTo(COMMIT_ALPHA);

    EnvironmentState leak = env("leak");
    assertThat(leak.specFile).isEqualTo("leak.yaml");
    assertThat(stalled(leak)).isEqualTo(Reasons.INVALID_SPEC);
    assertThat(leak.condition(Condition.STALLED).orElseThrow().message())
        .isEqualTo(
            "leak.yaml:1:1: (file): leak.yaml is a symbolic link; spec files must be regular files");
    assertThat(given().get("/status").then().statusCode(200).extract().asString())
        .contains("is a symbolic link")
        .doesNotContain("spec-safety-canary");
    assertThat(allConditionText()).doesNotContain("spec-safety-canary");
  }

  @Test
  @Order(2)
  void holdsBackASecondEnvironmentOnTheSamePortAndAlphaKeepsAnsweringOnIt() throws Exception {
    writeSpec("bravo.yaml", bravo("bravo-app", ROOT_BRAVO, PORT_ALPHA));

    String message = awaitConflict("spec.process.port");
    assertThat(message)
        .contains("bravo.yaml:14:11: spec.process.port: port " + PORT_ALPHA)
        .contains("environment 'alpha' (alpha.yaml:14:11)")
        // alpha was deployed before bravo appeared: it wins whatever the file names say.
        .contains("'alpha', which already runs here, keeps running");
    Thread.sleep(QUIET_MS);
    assertBravoNeverRan();
    for (int i = 0; i < 10; i++) {
      assertThat(servedCommit(PORT_ALPHA)).as("connection %d", i).isEqualTo(COMMIT_ALPHA);
    }
    assertAlphaReady();
  }

  @Test
  @Order(3)
  void holdsBackASecondEnvironmentWithTheSamePm2AppNameAndLeavesAlphasProcessesAlone()
      throws Exception {
    List<Long> pids = alphaPids();
    writeSpec("bravo.yaml", bravo("alpha-app", ROOT_BRAVO, PORT_BRAVO));

    assertThat(awaitConflict("metadata.name"))
        .contains("bravo.yaml:4:9: metadata.name: PM2 app name 'alpha-app'")
        .contains("(alpha.yaml:4:9)");
    Thread.sleep(QUIET_MS);
    assertBravoNeverRan();
    assertThat(servedCommit(PORT_BRAVO)).isNull();
    assertThat(alphaPids()).isEqualTo(pids);
    assertAlphaReady();
  }

  @Test
  @Order(4)
  void holdsBackASecondEnvironmentInsideAlphasTargetRoot() throws Exception {
    Path current = Files.readSymbolicLink(ROOT_ALPHA.resolve("current"));
    writeSpec("bravo.yaml", bravo("bravo-app", ROOT_ALPHA.resolve("bravo"), PORT_BRAVO));

    assertThat(awaitConflict("spec.target.root"))
        .contains("bravo.yaml:11:11: spec.target.root: target root " + ROOT_ALPHA.resolve("bravo"))
        .contains("(alpha.yaml:11:11)");
    Thread.sleep(QUIET_MS);
    assertBravoNeverRan();
    assertThat(Files.readSymbolicLink(ROOT_ALPHA.resolve("current"))).isEqualTo(current);
    assertThat(Files.exists(ROOT_ALPHA.resolve("bravo"))).isFalse();
    assertAlphaReady();
  }

  @Test
  @Order(5)
  void namesBothFilesOfADuplicatedEnvironmentInStatus() {
    String text = bravo("bravo-app", ROOT_BRAVO, PORT_BRAVO);
    writeSpec("bravo.yml", text);
    writeSpec("bravo.yaml", text);

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "bravo.yaml, bravo.yml".equals(env("bravo").specFile));
    String message = env("bravo").condition(Condition.STALLED).orElseThrow().message();
    assertThat(stalled(env("bravo"))).isEqualTo(Reasons.INVALID_SPEC);
    assertThat(message)
        .contains(
            "bravo.yaml:5:16: metadata.environment: environment 'bravo' is also declared in bravo.yml:5:16")
        .contains(
            "bravo.yml:5:16: metadata.environment: environment 'bravo' is also declared in bravo.yaml:5:16");
    assertThat(given().get("/status/bravo").then().statusCode(200).extract().asString())
        .contains("bravo.yaml:5:16", "bravo.yml:5:16");
    assertBravoNeverRan();
  }

  @Test
  @Order(6)
  void aRemovedSpecLeavesItsAppRunningAndReplacesTheOldMessagesUntilItComesBack() {
    deleteSpec("bravo.yaml");
    deleteSpec("bravo.yml");
    deleteSpec("leak.yaml");
    writeSpec("alpha.yaml", alpha().replace(COMMIT_ALPHA, "zzzz-invalid-marker"));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Reasons.INVALID_SPEC.equals(stalled(env("alpha"))));
    assertThat(env("alpha").condition(Condition.STALLED).orElseThrow().message())
        .contains("zzzz-invalid-marker");
    long deployments = deploymentsOf("alpha");

    deleteSpec("alpha.yaml");

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Reasons.SPEC_REMOVED.equals(stalled(env("alpha"))));
    EnvironmentState alpha = env("alpha");
    Condition ready = alpha.condition(Condition.READY).orElseThrow();
    assertThat(ready.status()).isFalse();
    assertThat(ready.reason()).isEqualTo(Reasons.SPEC_REMOVED);
    assertThat(ready.message()).contains("removing a spec never stops an app");
    assertThat(alpha.conditions)
        .allSatisfy(
            c -> {
              assertThat(c.reason()).isEqualTo(Reasons.SPEC_REMOVED);
              assertThat(c.message()).doesNotContain("zzzz-invalid-marker", "got '");
            });
    assertThat(given().get("/status/alpha").then().statusCode(200).extract().asString())
        .contains("SpecRemoved")
        .doesNotContain("zzzz-invalid-marker");
    for (String env : List.of("bravo", "leak")) {
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Reasons.SPEC_REMOVED.equals(stalled(env(env))));
    }
    assertThat(online("alpha-app")).isEqualTo(2);
    assertThat(servedCommit(PORT_ALPHA)).isEqualTo(COMMIT_ALPHA);

    // The spec comes back: its conditions recover without a new deployment.
    writeSpec("alpha.yaml", alpha());
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                env("alpha").condition(Condition.READY).map(Condition::status).orElse(false)
                    && stalled(env("alpha")) == null);
    assertThat(env("alpha").condition(Condition.READY).orElseThrow().reason())
        .isEqualTo(Reasons.RECONCILIATION_SUCCEEDED);
    assertThat(deploymentsOf("alpha")).isEqualTo(deployments);
    assertThat(servedCommit(PORT_ALPHA)).isEqualTo(COMMIT_ALPHA);
  }

  @AfterAll
  static void removeWorkFolder() {
    try (Stream<Path> all = Files.walk(WORK)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // leftovers in the temp dir are harmless
    }
  }

  // --- helpers

  /** Waits until bravo is Stalled SpecConflict about {@code field}; the condition's message. */
  private String awaitConflict(String field) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Reasons.SPEC_CONFLICT.equals(stalled(env("bravo")))
                    && env("bravo")
                        .condition(Condition.STALLED)
                        .orElseThrow()
                        .message()
                        .contains(field));
    EnvironmentState bravo = env("bravo");
    assertThat(bravo.condition(Condition.READY).orElseThrow().status()).isFalse();
    return bravo.condition(Condition.STALLED).orElseThrow().message();
  }

  private void assertBravoNeverRan() {
    assertThat(online("bravo-app")).isZero();
    assertThat(tools.pm2().jlist()).noneMatch(p -> p.name().startsWith("bravo"));
    assertThat(deploymentsOf("bravo")).isZero();
    assertThat(Files.exists(ROOT_BRAVO.resolve("releases"))).isFalse();
  }

  private void assertAlphaReady() {
    EnvironmentState alpha = env("alpha");
    assertThat(alpha.sync.wire()).isEqualTo("Synced");
    assertThat(alpha.health.wire()).isEqualTo("Healthy");
    assertThat(alpha.condition(Condition.READY).orElseThrow().status()).isTrue();
    assertThat(online("alpha-app")).isEqualTo(2);
  }

  private List<Long> alphaPids() {
    return Pm2Process.byName(tools.pm2().jlist(), "alpha-app").stream()
        .map(Pm2Process::pid)
        .sorted()
        .toList();
  }

  private long online(String app) {
    return Pm2Process.byName(tools.pm2().jlist(), app).stream().filter(Pm2Process::online).count();
  }

  static EnvironmentState env(String name) {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(name, TestRows.node()).orElseThrow());
  }

  /** The reason of a true Stalled condition, or null. */
  static String stalled(EnvironmentState e) {
    return e.condition(Condition.STALLED)
        .filter(Condition::status)
        .map(Condition::reason)
        .orElse(null);
  }

  static String allConditionText() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                EnvironmentState.listAllByName(TestRows.node()).stream()
                    .map(e -> e.specFile + " " + e.conditions)
                    .toList()
                    .toString());
  }

  static long deploymentsOf(String env) {
    return QuarkusTransaction.requiringNew().call(() -> Deployment.count("environment", env));
  }

  static String servedCommit(int port) {
    return AppProbe.servedCommit(port);
  }
}
