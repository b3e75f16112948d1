package io.sylvan.operator.reconcile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.TestRows;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Secrets in git, encrypted: the env file lives age-encrypted in the spec repository, the node
 * decrypts it with its own key, a commit of a new value alone is a deployment without a build, a
 * missing key halts it, a failing one is rolled back with its env file, and no value ever shows.
 */
@QuarkusTest
@TestProfile(SecretsProfile.class)
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretsReconcileTest {

  static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(4);
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> CANARIES =
      List.of(
          SecretsProfile.CANARY_1,
          SecretsProfile.CANARY_2,
          SecretsProfile.CANARY_3,
          SecretsProfile.CANARY_4,
          SecretsProfile.CANARY_5,
          "canary-Db-3Xk9Pq");

  @TestHTTPResource("/events")
  URL eventsUrl;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String jdbcUrl;

  @Test
  @Order(1)
  void theAppRunsWithTheValuesDecryptedFromTheSpecRepository() throws Exception {
    startEventReader();
    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> sha256(SecretsProfile.CANARY_1).equals(secretHash()));
    Path current = SecretsProfile.ROOT.resolve("current");
    Path env = current.resolve(".env.local");
    assertThat(Files.isSymbolicLink(env)).as("a file of the release, not a link").isFalse();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
        .isEqualTo("rw-------");
    await().atMost(Duration.ofSeconds(30)).until(() -> latest().status == DeploymentStatus.SUCCESS);
    Deployment d = latest();
    assertThat(d.envHash).isEqualTo(sha256(Files.readString(env)));
    JsonNode view = api("/deployments/" + d.id);
    assertThat(view.path("envHash").asText()).isEqualTo(d.envHash.substring(0, 12));
  }

  @Test
  @Order(2)
  void aCommitThatRotatesTheValueIsDeployedWithoutABuild() throws Exception {
    long before = latest().id;
    String releaseBefore = SecretsProfile.ROOT.resolve("current").toRealPath().toString();
    SecretsProfile.commitSecrets(
        SecretsProfile.DATABASE_URL + "FIXTURE_SECRET=" + SecretsProfile.CANARY_2 + "\n");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> sha256(SecretsProfile.CANARY_2).equals(secretHash()));
    Deployment d = latest();
    assertThat(d.id).isGreaterThan(before);
    assertThat(d.gitCommit).isEqualTo(SecretsProfile.COMMIT_A);
    await().atMost(Duration.ofSeconds(30)).until(() -> latest().status == DeploymentStatus.SUCCESS);
    assertThat(stepNames(d.id))
        .contains(
            "Copying the serving release (env change only, no build)",
            "Previewing the release before traffic")
        .doesNotContain("Building application", "Installing dependencies");
    // A new release directory: the old one, with its env file, stays for a rollback.
    assertThat(SecretsProfile.ROOT.resolve("current").toRealPath().toString())
        .isNotEqualTo(releaseBefore);
    assertThat(Files.readString(Path.of(releaseBefore, ".env.local")))
        .contains(SecretsProfile.CANARY_1);
    // /status shows the new env file's hash next to the commit, as 12 hex digits.
    JsonNode status = api("/status").path("environments").get(0);
    assertThat(status.path("lastDeployment").path("envHash").asText())
        .isEqualTo(latest().envHash.substring(0, 12))
        .isNotEqualTo(envHashOf(before).substring(0, 12));
  }

  static String envHashOf(long id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> Deployment.<Deployment>findById(id).envHash);
  }

  @Test
  @Order(3)
  void aCommitWhoseEncryptedFileLacksARequiredKeyHaltsNamingTheKey() throws Exception {
    long before = latest().id;
    SecretsProfile.commitSecrets(
        SecretsProfile.DATABASE_URL + "OTHER_SECRET=" + SecretsProfile.CANARY_3 + "\n");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> latest().id > before && latest().status == DeploymentStatus.FAILED);
    Deployment d = latest();
    assertThat(d.errorMessage)
        .contains("FIXTURE_SECRET")
        .contains(SecretsProfile.ENCRYPTED)
        .doesNotContain(SecretsProfile.CANARY_3);
    // The old release keeps serving with its values.
    assertThat(secretHash()).isEqualTo(sha256(SecretsProfile.CANARY_2));
  }

  @Test
  @Order(4)
  void anEnvChangeThatBreaksTheAppAtStartIsHaltedByThePreviewBeforeAnyTraffic() throws Exception {
    long before = latest().id;
    String serving = SecretsProfile.ROOT.resolve("current").toRealPath().toString();
    // A value the app cannot start with (the fixture exits at start on FIXTURE_CRASH=1).
    SecretsProfile.commitSecrets(
        SecretsProfile.DATABASE_URL
            + "FIXTURE_SECRET="
            + SecretsProfile.CANARY_5
            + "\nFIXTURE_CRASH=1\n");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> latest().id > before && latest().status == DeploymentStatus.FAILED);
    Deployment halted = latest();
    assertThat(stepNames(halted.id))
        .contains("Previewing the release before traffic")
        .doesNotContain("Switching current release", "Reloading PM2");
    // PM2 never saw the new values: the same release serves the old ones.
    assertThat(SecretsProfile.ROOT.resolve("current").toRealPath().toString()).isEqualTo(serving);
    assertThat(secretHash()).isEqualTo(sha256(SecretsProfile.CANARY_2));
    // The same encrypted file is not tried again.
    Thread.sleep(8_000);
    assertThat(latest().id).isEqualTo(halted.id);
  }

  @Test
  @Order(5)
  void anEnvChangeThatFailsAfterTheSwitchIsRolledBackWithThePreviousEnvFile() throws Exception {
    long before = latest().id;
    SecretsProfile.commitSecrets(
        SecretsProfile.DATABASE_URL
            + "FIXTURE_SECRET="
            + SecretsProfile.CANARY_4
            + "\nFIXTURE_UNHEALTHY_UNDER_PM2=1\n");

    await()
        .atMost(DEPLOY_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                QuarkusTransaction.requiringNew()
                    .call(
                        () ->
                            Deployment.<Deployment>find(
                                        "environment = ?1 and id > ?2 and status = ?3",
                                        SecretsProfile.ENV,
                                        before,
                                        DeploymentStatus.ROLLED_BACK)
                                    .count()
                                > 0));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> sha256(SecretsProfile.CANARY_2).equals(secretHash()));
    // The same encrypted file is not tried again.
    long after = latest().id;
    Thread.sleep(8_000);
    assertThat(latest().id).isEqualTo(after);
    assertThat(secretHash()).isEqualTo(sha256(SecretsProfile.CANARY_2));
  }

  @Test
  @Order(6)
  void noDecryptedValueAppearsInLogsDatabaseApiEventsMetricsDashboardOrBackups() throws Exception {
    List<String> places = new ArrayList<>();
    places.add("operator log:\n" + Files.readString(SecretsProfile.OPERATOR_LOG));
    places.add("deploy, health and app logs:\n" + filesUnder(SecretsProfile.ROOT.resolve("logs")));
    places.add("backups:\n" + filesUnder(SecretsProfile.ROOT.resolve("backups")));
    places.add("pg_dump:\n" + pgDump());
    places.add("/status:\n" + apiText("/status"));
    places.add("/deployments:\n" + apiText("/deployments?env=" + SecretsProfile.ENV));
    for (JsonNode d : api("/deployments?env=" + SecretsProfile.ENV)) {
      places.add("/deployments/" + d.path("id") + ":\n" + apiText("/deployments/" + d.path("id")));
      places.add("log " + d.path("id") + ":\n" + apiText("/deployments/" + d.path("id") + "/log"));
      places.add("dashboard " + d.path("id") + ":\n" + apiText("/ui/deployments/" + d.path("id")));
    }
    places.add("/events:\n" + events());
    places.add("/q/metrics:\n" + apiText("/q/metrics"));
    places.add("dashboard:\n" + apiText("/ui") + apiText("/ui/environments/" + SecretsProfile.ENV));
    for (String place : places) {
      for (String canary : CANARIES) {
        assertThat(place).as(place.lines().findFirst().orElse("")).doesNotContain(canary);
      }
    }
    // The backups keep the encrypted file and hashes of what served, never its plaintext.
    assertThat(filesNamed(SecretsProfile.ROOT.resolve("backups"), "env.age")).isNotEmpty();
    assertThat(filesNamed(SecretsProfile.ROOT.resolve("backups"), ".env.local")).isEmpty();
    // The deploy log did see the values (the fixture's build prints its env file), masked.
    assertThat(filesUnder(SecretsProfile.ROOT.resolve("logs"))).contains("FIXTURE_SECRET=***");
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** What the app reports at /api/health as the SHA-256 of FIXTURE_SECRET; null when down. */
  static String secretHash() {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + SecretsProfile.PORT + "/api/health"))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()).path("secretHash").asText(null) : null;
    } catch (Exception e) {
      return null;
    }
  }

  static Deployment latest() {
    return QuarkusTransaction.requiringNew()
        .call(() -> Deployment.findLatest(SecretsProfile.ENV, TestRows.node()).orElseThrow());
  }

  static List<String> stepNames(long id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> DeploymentStepRecord.findByDeployment(id).stream().map(s -> s.name).toList());
  }

  static String apiText(String path) {
    return given()
        .header("Authorization", "Bearer " + SecretsProfile.TOKEN)
        .get(path)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  static JsonNode api(String path) throws Exception {
    return JSON.readTree(apiText(path));
  }

  /** Every file under {@code dir}, names and contents, as one text. */
  static String filesUnder(Path dir) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.append("== ").append(f).append('\n');
        out.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    return out.toString();
  }

  static List<Path> filesNamed(Path dir, String name) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.getFileName().toString().equals(name)).toList();
    }
  }

  /** A plain-text {@code pg_dump} of the operator's test database. */
  String pgDump() throws Exception {
    int port = URI.create(jdbcUrl.substring(5)).getPort();
    ProcessBuilder pb =
        new ProcessBuilder(
                "pg_dump",
                "--format=plain",
                "--host=localhost",
                "--port=" + port,
                "--username=postgres",
                "--no-password",
                "--dbname=postgres")
            .redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", "postgres");
    Process p = pb.start();
    String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(dump).isZero();
    assertThat(dump).contains("env_hash");
    return dump;
  }

  /** Every line of /events since the first test began, read by a daemon thread. */
  static final StringBuffer EVENTS = new StringBuffer();

  private static Thread eventReader;

  void startEventReader() {
    if (eventReader != null) {
      return;
    }
    URL url = eventsUrl;
    eventReader =
        new Thread(
            () -> {
              try {
                var conn = (java.net.HttpURLConnection) url.openConnection();
                conn.setRequestProperty("Accept", "text/event-stream");
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(conn.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    EVENTS.append(line).append('\n');
                  }
                }
              } catch (java.io.IOException e) {
                EVENTS.append("reader ended: ").append(e).append('\n');
              }
            },
            "secrets-test-events");
    eventReader.setDaemon(true);
    eventReader.start();
  }

  /** What the event stream carried during the tests. */
  static String events() {
    String all = EVENTS.toString();
    assertThat(all).contains("deployment.finished");
    return all;
  }
}
