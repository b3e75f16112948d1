package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.state.TestRows;
import io.sylvan.operator.state.Trigger;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * sylvanctl in-process against a running operator (real HTTP, real PostgreSQL). History and health
 * rows are written straight into the database. The actions that start a reconcile (deploy, sync,
 * resume) come last, on the test environment, so they cannot disturb the earlier checks.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(CliTestProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SylvanCtlOperatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMMIT_A = "1111111111111111111111111111111111111111";
  private static final String COMMIT_B = "2222222222222222222222222222222222222222";

  @TestHTTPResource("/")
  URL base;

  @Test
  @Order(1)
  void statusShowsBothExampleEnvironmentsInATable() {
    Ctl result = ctl("status");

    assertThat(result.exitCode()).as(result.all()).isZero();
    String[] lines = result.out().split("\n");
    assertThat(lines[0])
        .startsWith("ENV")
        .contains("SYNC", "HEALTH", "DESIRED", "ACTUAL", "LAST GOOD", "READY", "SUSPENDED");
    assertThat(result.out()).containsPattern("(?m)^production\\s").containsPattern("(?m)^test\\s");
    // The spec's 40-hex commit, cut to 12 characters.
    assertThat(result.out()).contains("9fceb02d0ae5 ").doesNotContain("9fceb02d0ae598");
    assertThat(result.out()).contains("spec source: ");
  }

  @Test
  @Order(2)
  void statusAsJsonIsTheApisJson() throws IOException {
    Ctl all = ctl("status", "--output", "json");
    Ctl one = ctl("--output", "json", "status", "production");

    assertThat(all.exitCode()).as(all.all()).isZero();
    List<String> names = new ArrayList<>();
    JSON.readTree(all.out()).path("environments").forEach(e -> names.add(e.get("name").asText()));
    assertThat(names).containsExactly("production", "test");
    JsonNode production = JSON.readTree(one.out());
    assertThat(production.get("name").asText()).isEqualTo("production");
    assertThat(production.get("desiredCommit").asText())
        .isEqualTo("9fceb02d0ae598e95dc970b74767f19372d61af8");
  }

  @Test
  @Order(2)
  void nodesShowsThisOperatorAsAReadyNodeInATableAndAsTheApisJson() throws IOException {
    Ctl table = ctl("nodes");
    Ctl json = ctl("nodes", "--output", "json");

    assertThat(table.exitCode()).as(table.all()).isZero();
    assertThat(table.out().split("\n")[0])
        .startsWith("NAME")
        .contains("STATUS", "LEASE AGE", "VERSION", "LABELS", "STARTED");
    assertThat(table.out()).containsPattern("(?m)^\\S+ \\(this\\)\\s+Ready\\s+\\d+\\.\\ds\\s");
    assertThat(json.exitCode()).as(json.all()).isZero();
    JsonNode nodes = JSON.readTree(json.out());
    assertThat(nodes.isArray()).isTrue();
    assertThat(nodes)
        .anySatisfy(
            n -> {
              assertThat(n.path("self").asBoolean()).isTrue();
              assertThat(n.path("ready").asBoolean()).isTrue();
            });
  }

  @Test
  @Order(3)
  void statusOfAnUnknownEnvironmentIsTheApisMessageWithExitCode1() {
    Ctl result = ctl("status", "nope");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("no environment named 'nope'");
  }

  @Test
  @Order(4)
  void historyListsDeploymentsNewestFirstAndFilters() throws IOException {
    long good = insert("production", DeploymentStatus.SUCCESS, COMMIT_A, null);
    long bad = insert("production", DeploymentStatus.FAILED, COMMIT_B, null);

    Ctl table = ctl("history", "production", "--limit", "5");
    Ctl failed = ctl("history", "production", "--status", "failed", "--output", "json");
    Ctl badStatus = ctl("history", "production", "--status", "exploded");

    assertThat(table.exitCode()).as(table.all()).isZero();
    assertThat(table.out())
        .startsWith("ID")
        .contains("222222222222", "111111111111", "build: npm run build exited with 1");
    assertThat(table.out().indexOf(bad + " ")).isLessThan(table.out().indexOf(good + " "));
    JsonNode rows = JSON.readTree(failed.out());
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("id").asLong()).isEqualTo(bad);
    assertThat(badStatus.exitCode()).isEqualTo(1);
    assertThat(badStatus.err()).contains("status must be one of");
  }

  @Test
  @Order(5)
  void healthPrintsTheSeedsHealthJsonOfTheLatestCheck() throws IOException {
    insert("production", DeploymentStatus.SUCCESS, COMMIT_A, HealthStatus.HEALTHY);

    Ctl healthy = ctl("health", "production");

    assertThat(healthy.exitCode()).as(healthy.all()).isZero();
    JsonNode json = JSON.readTree(healthy.out());
    assertThat(fieldNames(json))
        .containsExactly("status", "checks", "metrics", "version", "commit");
    assertThat(json.get("status").asText()).isEqualTo("healthy");
    assertThat(json.get("checks").get("http").asText()).isEqualTo("pass");
    assertThat(fieldNames(json.get("metrics")))
        .containsExactly("responseTime", "memoryUsage", "cpuUsage");
    assertThat(json.get("metrics").get("responseTime").asLong()).isEqualTo(145);
    assertThat(json.get("version").asText()).isEqualTo("1.2.3");
    assertThat(json.get("commit").asText()).isEqualTo(COMMIT_A);

    insert("production", DeploymentStatus.ROLLED_BACK, COMMIT_B, HealthStatus.UNHEALTHY);
    Ctl unhealthy = ctl("health", "production");
    assertThat(unhealthy.exitCode()).isEqualTo(1);
    assertThat(JSON.readTree(unhealthy.out()).get("status").asText()).isEqualTo("unhealthy");

    insert("production", DeploymentStatus.FAILED, COMMIT_B, null);
    Ctl none = ctl("health", "production");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("has no health check");
  }

  @Test
  @Order(6)
  void rollbackWithNoReleaseOnDiskIsTheApisMessageWithExitCode1() {
    Ctl previous = ctl("rollback", "production", "--token", CliTestProfile.TOKEN);
    Ctl to = ctl("rollback", "production", "--to", "abc1234", "--token", CliTestProfile.TOKEN);

    assertThat(previous.exitCode()).isEqualTo(1);
    assertThat(previous.err()).contains("no earlier good release of production is on disk");
    assertThat(to.exitCode()).isEqualTo(1);
    assertThat(to.err()).contains("no built release of abc1234 is on disk");
  }

  @Test
  @Order(7)
  void aWrongOrMissingTokenIsExitCode3WithTheOperatorsMessage() {
    Ctl wrong = ctl("suspend", "production", "--token", "not-the-token");
    Ctl missing = ctl("suspend", "production");

    assertThat(wrong.exitCode()).isEqualTo(3);
    assertThat(wrong.err())
        .contains("the operator refused the token (401): wrong bearer token")
        .doesNotContain("not-the-token");
    assertThat(missing.exitCode()).isEqualTo(3);
    assertThat(missing.err())
        .contains("the operator refused the token (401): missing bearer token");
    assertThat(suspended("production")).isFalse();
  }

  @Test
  @Order(8)
  void anOperatorThatIsDownIsExitCode2() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String server = "http://localhost:" + port;

    Ctl result = Ctl.run("--server", server, "status");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains("cannot reach the operator at " + server + ": connection refused");
  }

  @Test
  @Order(9)
  void deployPassesTheSeedFlagsToTheApi() throws IOException {
    Ctl result =
        ctl(
            "deploy",
            "test",
            "--skip-backup",
            "--force",
            "--token",
            CliTestProfile.TOKEN,
            "--output",
            "json");

    assertThat(result.exitCode()).as(result.all()).isZero();
    long id = JSON.readTree(result.out()).get("deploymentId").asLong();
    JsonNode options = JSON.readTree(ctl("--output", "json", "history", "test").out());
    JsonNode row = null;
    for (JsonNode d : options) {
      if (d.get("id").asLong() == id) {
        row = d;
      }
    }
    assertThat(row).as("deployment %d in the history", id).isNotNull();
    assertThat(row.get("options").get("skipBackup").asBoolean()).isTrue();
    assertThat(row.get("options").get("force").asBoolean()).isTrue();
    assertThat(row.get("options").get("skipHealthCheck").asBoolean()).isFalse();
    // The run fails fast (the app repository is missing); wait so it does not overlap the sync.
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                QuarkusTransaction.requiringNew()
                        .call(() -> Deployment.<Deployment>findById(id).status)
                    != DeploymentStatus.IN_PROGRESS);
  }

  @Test
  @Order(10)
  void syncIsAccepted() {
    Ctl result = ctl("sync", "test", "--skip-health-check", "--token", CliTestProfile.TOKEN);

    assertThat(result.exitCode()).as(result.all()).isZero();
    assertThat(result.out()).contains("sync of test accepted");
  }

  @Test
  @Order(11)
  void suspendAndResumeWithTheRightTokenShowInStatus() {
    // production, not test: the sync above may still be writing the test environment's row.
    Ctl suspend = ctl("suspend", "production", "--token", CliTestProfile.TOKEN);

    assertThat(suspend.exitCode()).as(suspend.all()).isZero();
    assertThat(suspend.out()).contains("suspend of production accepted");
    assertThat(suspended("production")).isTrue();
    assertThat(ctl("status", "production").out()).containsPattern("(?m)^production\\s.*\\syes$");

    Ctl resume = ctl("resume", "production", "--token", CliTestProfile.TOKEN);
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    assertThat(suspended("production")).isFalse();
  }

  @Test
  @Order(12)
  void statusListsTheNodesOfAnEnvironmentThatRunsOnSeveral() {
    String env = TestRows.environment();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState other = new EnvironmentState();
              other.name = env;
              other.node = "web-2";
              other.actualCommit = COMMIT_B;
              other.sync = SyncStatus.OUT_OF_SYNC;
              other.persist();
            });

    Ctl result = ctl("status", env);

    assertThat(result.exitCode()).as(result.all()).isZero();
    assertThat(result.out())
        .contains("NODE")
        .containsPattern("(?m)^" + env + "\\s+web-2\\s+OutOfSync");
    assertThat(result.out()).contains(COMMIT_B.substring(0, 12));
    // A single-node environment gets no node table.
    assertThat(ctl("status", "production").out()).doesNotContain("NODE");
  }

  private Ctl ctl(String... args) {
    String server = base.toString().replaceAll("/$", "");
    String[] all = new String[args.length + 2];
    all[0] = "--server";
    all[1] = server;
    System.arraycopy(args, 0, all, 2, args.length);
    return Ctl.run(all);
  }

  private boolean suspended(String env) {
    try {
      return JSON.readTree(ctl("status", env, "--output", "json").out())
          .get("suspended")
          .asBoolean();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** A finished deployment with one step, and a health check when {@code health} is set. */
  private static long insert(
      String env, DeploymentStatus status, String commit, HealthStatus health) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Instant now = Instant.now();
              Deployment d = new Deployment();
              d.environment = env;
              d.type = DeploymentType.UPDATE;
              d.status = status;
              d.gitCommit = commit;
              d.version = "1.2.3";
              d.startedAt = now.minusSeconds(42);
              d.endedAt = now;
              d.trigger = Trigger.API;
              if (status == DeploymentStatus.FAILED) {
                d.errorStep = "build";
                d.errorMessage = "npm run build exited with 1";
              }
              d.persist();
              DeploymentStepRecord step = new DeploymentStepRecord();
              step.deploymentId = d.id;
              step.seq = 1;
              step.name = "build";
              step.phase = "BUILD";
              step.status =
                  status == DeploymentStatus.FAILED ? StepStatus.FAILED : StepStatus.COMPLETED;
              step.startedAt = d.startedAt;
              step.endedAt = now;
              step.durationMs = 42_000L;
              step.persist();
              if (health != null) {
                HealthCheckRecord h = new HealthCheckRecord();
                h.environment = env;
                h.deploymentId = d.id;
                h.status = health;
                boolean ok = health == HealthStatus.HEALTHY;
                Map<String, String> checks = new LinkedHashMap<>();
                for (String check : Arrays.asList("http", "api", "performance", "version")) {
                  checks.put(check, ok || !check.equals("http") ? "pass" : "fail");
                }
                h.checks = checks;
                h.responseTimeMs = 145L;
                h.memoryUsageMb = 512L;
                h.cpuUsagePercent = 23.0;
                h.version = "1.2.3";
                h.gitCommit = commit;
                h.checkedAt = now;
                h.persist();
              }
              return d.id;
            });
  }
}
