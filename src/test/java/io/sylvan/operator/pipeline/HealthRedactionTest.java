package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an app answers is redacted before it is stored, logged or shown: the plain Node fixture
 * under a real PM2 reports a value of its env file as its version (as an app with {@code version:
 * process.env.SECRET} does). One deployment.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
class HealthRedactionTest {

  static final String ENV = "health-redaction";
  static final String APP = "health-redaction-app";
  static final String CANARY = "canary-" + UUID.randomUUID();

  static Path work;
  static NodeAppRepo repo;
  static Path root;
  static int port;

  @Inject DeploymentRunner runner;
  @Inject ToolboxProducer tools;

  @BeforeAll
  static void createRepositoryAndTarget() throws IOException {
    work = Files.createTempDirectory("sylvan-health-redaction-");
    repo = NodeAppRepo.create(work.resolve("app"), "7.0.0");
    root = work.resolve("target");
    Files.createDirectories(root.resolve("shared"));
    Files.writeString(
        root.resolve("shared/.env.local"),
        "DATABASE_URL=postgres://localhost/app\nFIXTURE_HEALTH_VERSION=" + CANARY + "\n");
    port = TestSpecs.freePort();
  }

  @AfterAll
  static void removeWork() throws IOException {
    FileTrees.delete(work);
  }

  @Test
  void aSecretTheAppsHealthAnswerEchoesIsInNoHealthRowLogFileOrApiAnswer() throws Exception {
    String commit = repo.commitChange("A");
    DeploySpec spec =
        TestSpecs.parse(ENV, TestSpecs.yaml(ENV, APP, repo.dir(), commit, root, port, ""));
    DeploymentOutcome outcome =
        runner.execute(runner.prepareUpdate(spec, commit, DeployOptions.NONE, Trigger.API, "r"));
    try {
      assertThat(outcome.result())
          .as(outcome.message())
          .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
      long id = outcome.deploymentId();
      // The app really answers with the secret: what follows is redaction, not absence.
      assertThat(appHealth()).contains(CANARY);

      List<HealthCheckRecord> rows =
          QuarkusTransaction.requiringNew().call(() -> HealthCheckRecord.findByDeployment(id));
      assertThat(rows).isNotEmpty().allSatisfy(h -> assertThat(h.version).isEqualTo("***"));
      assertThat(healthRowsAsText()).doesNotContain(CANARY);

      List<Path> logs;
      try (Stream<Path> files = Files.walk(root.resolve("logs"))) {
        logs = files.filter(Files::isRegularFile).toList();
      }
      assertThat(logs)
          .anyMatch(f -> f.getParent().getFileName().toString().equals("health-checks"))
          .anyMatch(f -> f.getParent().getFileName().toString().equals("deployments"));
      for (Path f : logs) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(CANARY);
      }

      String body =
          RestAssured.get("/deployments/" + id).then().statusCode(200).extract().asString();
      assertThat(body).doesNotContain(CANARY);
      assertThat(JsonPath.from(body).getString("healthChecks[0].version")).isEqualTo("***");

      // Outside a deployment (the reconcile loop's check) the report is redacted as well.
      HealthReport again = tools.get().healthChecker().checkOnce(spec, commit);
      assertThat(again.version()).isEqualTo("***");
    } finally {
      tools.pm2().delete(APP);
    }
  }

  private static String healthRowsAsText() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                String.valueOf(
                    Deployment.getEntityManager()
                        .createNativeQuery(
                            "select coalesce(string_agg(h::text, '\n'), '')"
                                + " from health_check_result h")
                        .getSingleResult()));
  }

  private String appHealth() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
