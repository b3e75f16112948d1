package io.sylvan.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code GET /events} read by a real client while real deployments of the plain Node fixture run
 * under a real PM2, recorded in a real PostgreSQL. The tests build on each other in order.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventStreamTest {

  static final String ENV = "events";
  static final String APP = "events-app";
  static final String CANARY = "canary-" + UUID.randomUUID();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(5);

  static NodeAppRepo repo;
  static Path root;
  static int port;

  /** The events of the first deployment, as the first client received them. */
  static List<SseStream.Received> firstRun;

  @Inject DeploymentRunner runner;
  @Inject Events events;
  @Inject io.sylvan.operator.config.OperatorConfig config;

  @TestHTTPResource("/events")
  URL eventsUrl;

  @BeforeAll
  static void createRepositoryAndTarget() throws Exception {
    Path work = Files.createTempDirectory("sylvan-events-");
    repo = NodeAppRepo.create(work.resolve("app"), "7.0.0");
    root = TestSpecs.rootWithSecretEnv(work, CANARY);
    port = TestSpecs.freePort();
  }

  DeploymentOutcome deploy(String commit) throws Exception {
    DeploySpec spec =
        TestSpecs.parse(ENV, TestSpecs.yaml(ENV, APP, repo.dir(), commit, root, port, ""));
    return runner.execute(
        runner.prepareUpdate(spec, commit, DeployOptions.NONE, Trigger.API, "events-test"));
  }

  URI uri(String query) {
    return URI.create(eventsUrl.toString() + query);
  }

  static JsonNode data(SseStream.Received r) {
    try {
      return JSON.readTree(r.data());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + r.data(), e);
    }
  }

  static boolean finishes(SseStream.Received r, long deploymentId) {
    return r.event().equals("deployment.finished")
        && data(r).get("deploymentId").asLong() == deploymentId;
  }

  static List<DeploymentStepRecord> steps(long deploymentId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> DeploymentStepRecord.findByDeployment(deploymentId));
  }

  @Test
  @Order(1)
  void aClientReceivesEveryStepOfARealDeploymentInOrder() throws Exception {
    String commit = repo.commitChange("A");
    DeploymentOutcome outcome;
    List<SseStream.Received> got;
    try (SseStream stream = new SseStream(uri(""), null)) {
      assertThat(stream.status).isEqualTo(200);
      outcome = deploy(commit);
      got = stream.until(r -> finishes(r, outcome.deploymentId()), DEPLOY_TIMEOUT);
      assertThat(String.join("\n", stream.rawLines)).doesNotContain(CANARY);
    }
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    firstRun = got;

    List<SseStream.Received> ours =
        got.stream().filter(r -> ENV.equals(data(r).path("environment").asText())).toList();
    // The status writer marks the environment Reconciling just before the row is created.
    List<SseStream.Received> run =
        ours.stream()
            .filter(r -> r.event().startsWith("deployment.") || r.event().startsWith("step."))
            .toList();
    assertThat(run.get(0).event()).isEqualTo("deployment.started");
    JsonNode started = data(run.get(0));
    assertThat(started.get("deploymentId").asLong()).isEqualTo(outcome.deploymentId());
    assertThat(started.get("commit").asText()).isEqualTo(commit);
    assertThat(started.get("type").asText()).isEqualTo("initial");
    assertThat(started.get("trigger").asText()).isEqualTo("api");
    assertThat(started.get("node").asText()).isNotBlank();

    // Every recorded step, in the recorded order: started then finished (a skipped step only
    // finishes), with the recorded status and phase.
    List<String> expected = new ArrayList<>();
    for (DeploymentStepRecord s : steps(outcome.deploymentId())) {
      if (s.status != StepStatus.SKIPPED) {
        expected.add("step.started " + s.name + " " + s.phase);
      }
      expected.add("step.finished " + s.name + " " + s.phase + " " + s.status.wire());
    }
    List<String> stepEvents =
        ours.stream()
            .filter(r -> r.event().startsWith("step."))
            .map(
                r -> {
                  JsonNode d = data(r);
                  String line =
                      r.event() + " " + d.get("step").asText() + " " + d.get("phase").asText();
                  return r.event().equals("step.finished")
                      ? line + " " + d.get("status").asText()
                      : line;
                })
            .toList();
    assertThat(stepEvents).containsExactlyElementsOf(expected);
    assertThat(expected).contains("step.finished Building application BUILD completed");
    ours.stream()
        .filter(r -> r.event().equals("step.finished"))
        .forEach(r -> assertThat(data(r).get("durationMs").asLong()).isNotNegative());

    assertThat(ours)
        .anySatisfy(
            r -> {
              assertThat(r.event()).isEqualTo("health.checked");
              assertThat(data(r).get("healthy").asBoolean()).isTrue();
            });
    assertThat(ours).anySatisfy(r -> assertThat(r.event()).isEqualTo("condition.changed"));
    JsonNode finished = data(ours.get(ours.size() - 1));
    assertThat(finished.get("status").asText()).isEqualTo("success");
    assertThat(finished.get("durationMs").asLong()).isPositive();
    assertThat(finished.has("failedStep")).as("nulls are left out").isFalse();
    assertThat(got).extracting(SseStream.Received::id).isSorted().doesNotHaveDuplicates();
  }

  @Test
  @Order(2)
  void reconnectingWithTheLastEventIdMissesNothingWithinTheBuffer() throws Exception {
    long seen = firstRun.get(firstRun.size() / 2).id();
    List<SseStream.Received> missed = firstRun.stream().filter(r -> r.id() > seen).toList();
    long last = firstRun.get(firstRun.size() - 1).id();

    try (SseStream again = new SseStream(uri(""), seen)) {
      List<SseStream.Received> replayed = again.until(r -> r.id() == last, Duration.ofSeconds(30));

      // Events published meanwhile by the reconcile loop's status writes may follow; none before.
      assertThat(replayed).containsExactlyElementsOf(missed);
    }
  }

  @Test
  @Order(3)
  void anIdOlderThanTheBufferGetsResetFirst() throws Exception {
    try (SseStream stream = new SseStream(uri(""), 1L)) {
      SseStream.Received first = stream.until(r -> true, Duration.ofSeconds(30)).get(0);

      assertThat(first.event()).isEqualTo("reset");
      assertThat(first.id()).isGreaterThanOrEqualTo(firstRun.get(firstRun.size() - 1).id());
    }
  }

  @Test
  @Order(4)
  void aFailedDeploymentEndsWithTheRolledBackStatusAfterItsRollbackAndKeepsTheEnvValuesOut()
      throws Exception {
    String bad = repo.commitUnhealthyAfterSwitch();
    DeploymentOutcome outcome;
    List<SseStream.Received> got;
    try (SseStream stream = new SseStream(uri("?env=" + ENV), null)) {
      outcome = deploy(bad);
      got = stream.until(r -> finishes(r, outcome.deploymentId()), DEPLOY_TIMEOUT);
      assertThat(String.join("\n", stream.rawLines)).doesNotContain(CANARY);
    }
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.ROLLED_BACK);

    assertThat(got).allMatch(r -> ENV.equals(data(r).get("environment").asText()));
    List<String> deployments =
        got.stream()
            .filter(r -> r.event().startsWith("deployment."))
            .map(r -> r.event() + " " + data(r).get("deploymentId").asLong())
            .toList();
    long rb = outcome.rollbackDeploymentId();
    assertThat(deployments)
        .containsExactly(
            "deployment.started " + outcome.deploymentId(),
            "deployment.started " + rb,
            "deployment.finished " + rb,
            "deployment.finished " + outcome.deploymentId());
    JsonNode finished = data(got.get(got.size() - 1));
    assertThat(finished.get("status").asText()).isEqualTo("rolled_back");
    assertThat(finished.get("failedStep").asText()).isEqualTo(outcome.failure().step());
    assertThat(finished.get("message").asText()).isNotBlank();
    assertThat(got)
        .anySatisfy(
            r -> {
              assertThat(r.event()).isEqualTo("step.finished");
              assertThat(data(r).get("status").asText()).isEqualTo("failed");
              assertThat(data(r).get("message").asText()).isNotBlank();
            });
  }

  @Test
  @Order(5)
  void aClientThatReadsNothingDoesNotHoldUpPublishingAndIsDisconnected() throws Exception {
    URI u = uri("");
    // The streams of the earlier tests were closed: a write after the peer's reset fails, so the
    // operator drops them within a few writes. One of them kept only ENV's events.
    long settle = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (events.bus().subscriberCount() > 0 && System.nanoTime() < settle) {
      for (String env : List.of("elsewhere", ENV)) {
        events.publish(new EventData.DriftDetected(env, "commit", "flush", Instant.now()));
      }
      Thread.sleep(100);
    }
    assertThat(events.bus().subscriberCount()).isZero();
    try (Socket silent = new Socket()) {
      // A client that asks for the stream and then never reads from its socket.
      silent.setReceiveBufferSize(4096);
      silent.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()));
      OutputStream out = silent.getOutputStream();
      out.write(
          ("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (events.bus().subscriberCount() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(events.bus().subscriberCount()).isPositive();

      // Words, as command output has.
      String big = "build output line ".repeat(450);
      long t0 = System.nanoTime();
      for (int i = 0; i < 5000; i++) {
        events.publish(new EventData.DriftDetected("elsewhere", "commit", big + i, Instant.now()));
      }
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(took).isLessThan(Duration.ofSeconds(20));
      deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (events.bus().subscriberCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(events.bus().subscriberCount()).as("the silent client was dropped").isZero();
    }
  }

  @Test
  @Order(6)
  void eventTextsShowTheOperatorsPathsAsStatusDoes() throws Exception {
    Path mirror = config.dataDir().toAbsolutePath().resolve("mirrors/app");
    try (SseStream stream = new SseStream(uri(""), null)) {
      events.publish(
          new EventData.DriftDetected(
              "paths", "commit", "cannot read " + mirror + "/HEAD", Instant.now()));

      List<SseStream.Received> all =
          stream.until(
              r ->
                  r.event().equals("drift.detected")
                      && data(r).get("environment").asText().equals("paths"),
              Duration.ofSeconds(30));
      SseStream.Received got = all.get(all.size() - 1);

      assertThat(data(got).get("message").asText())
          .isEqualTo("cannot read <data-dir>/mirrors/app/HEAD")
          .doesNotContain(config.dataDir().toAbsolutePath().toString());
    }
  }
}
