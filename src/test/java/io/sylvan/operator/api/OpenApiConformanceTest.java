package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.BuildIdSource;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.state.TestRows;
import io.sylvan.operator.state.Trigger;
import io.sylvan.operator.state.WireEnums;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The served {@code /q/openapi} describes what the operator really answers: real responses of the
 * running operator (status, history, detail, nodes, health, error bodies) validate against the
 * schema it serves, with rows that carry every value of every enum on the wire.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class OpenApiConformanceTest {

  @Inject ObjectMapper json;

  @Test
  void everyEnumInTheServedSchemaListsExactlyTheValuesTheJsonCarries() throws Exception {
    JsonNode schemas = openApi().path("components").path("schemas");
    Map<String, Class<? extends Enum<?>>> enums = new TreeMap<>();
    WireEnums.all().forEach(e -> enums.put(e.getSimpleName(), e));

    Map<String, List<String>> served = new TreeMap<>();
    Map<String, List<String>> wire = new TreeMap<>();
    for (var it = schemas.fields(); it.hasNext(); ) {
      var entry = it.next();
      if (!entry.getValue().has("enum")) {
        continue;
      }
      Class<? extends Enum<?>> type = enums.get(entry.getKey());
      assertThat(type).as("the Java enum behind schema %s", entry.getKey()).isNotNull();
      List<String> values = new ArrayList<>();
      entry.getValue().get("enum").forEach(v -> values.add(v.asText()));
      served.put(entry.getKey(), values);
      List<String> serialized = new ArrayList<>();
      for (Enum<?> constant : type.getEnumConstants()) {
        serialized.add(json.valueToTree(constant).asText());
      }
      wire.put(entry.getKey(), serialized);
    }
    assertThat(served).containsKeys("DeploymentStatus", "StepStatus", "SyncStatus");
    assertThat(served).isEqualTo(wire);
  }

  @Test
  void realStatusHistoryNodesHealthAndErrorAnswersValidateAgainstTheServedSchema()
      throws Exception {
    JsonNode doc = openApi();
    String env = environmentWithEveryEnumValue();
    List<Long> ids = deploymentsWithEveryEnumValue(env);

    Map<String, String> checked = new LinkedHashMap<>();
    check(doc, "/status", "/status", checked);
    check(doc, "/status/{env}", "/status/" + env, checked);
    check(doc, "/status/{env}", "/status/production", checked);
    check(doc, "/deployments", "/deployments?env=" + env + "&limit=50", checked);
    for (long id : ids) {
      check(doc, "/deployments/{id}", "/deployments/" + id, checked);
    }
    check(doc, "/nodes", "/nodes", checked);
    check(doc, "/q/health", "/q/health", checked);
    check(doc, "/q/health/ready", "/q/health/ready", checked);
    check(doc, "/q/health/live", "/q/health/live", checked);
    // Error bodies: unknown id, environment and filter, and a bad query parameter.
    check(doc, "/deployments/{id}", "/deployments/999999999", checked);
    check(doc, "/status/{env}", "/status/no-such-env", checked);
    check(doc, "/deployments", "/deployments?env=no-such-env", checked);
    check(doc, "/deployments", "/deployments?limit=abc", checked);

    assertThat(checked).containsValues("200", "404", "400");
    assertThat(checked.get("/deployments?env=" + env + "&limit=50")).isEqualTo("200");
  }

  /** GETs {@code uri} and validates its JSON body against what the document says of its status. */
  private void check(JsonNode doc, String template, String uri, Map<String, String> checked)
      throws Exception {
    Response r = given().when().get(uri);
    String status = String.valueOf(r.statusCode());
    JsonNode responses = doc.path("paths").path(template).path("get").path("responses");
    JsonNode response = responses.path(status);
    if (response.isMissingNode()) {
      response = responses.path(status.charAt(0) + "XX");
    }
    if (response.isMissingNode()) {
      response = responses.path("default");
    }
    assertThat(response.isMissingNode())
        .as("/q/openapi documents GET %s answering %s (%s)", template, status, uri)
        .isFalse();
    if (response.has("$ref")) {
      response = doc.at(response.get("$ref").asText().substring(1));
    }
    JsonNode schema = response.path("content").path("application/json").path("schema");
    assertThat(schema.isMissingNode() || schema.isEmpty())
        .as("GET %s %s has a JSON schema in /q/openapi", template, status)
        .isFalse();
    JsonNode body = json.readTree(r.asString());
    Set<ValidationMessage> errors = validator(doc, schema).validate(body);
    assertThat(errors).as("GET %s answered %s:%n%s", uri, status, body.toPrettyString()).isEmpty();
    checked.put(uri, status);
  }

  /** The response schema, with the document's components beside it so its $refs resolve. */
  private com.networknt.schema.JsonSchema validator(JsonNode doc, JsonNode schema) {
    ObjectNode standalone = json.createObjectNode();
    standalone.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    standalone.setAll((ObjectNode) schema.deepCopy());
    standalone.set("components", doc.path("components"));
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(standalone);
  }

  private JsonNode openApi() throws Exception {
    String text =
        given()
            .accept("application/json")
            .queryParam("format", "JSON")
            .when()
            .get("/q/openapi")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    return json.readTree(text);
  }

  /** An environment row with every condition type; its sync and health are set per node below. */
  private String environmentWithEveryEnumValue() {
    String env = TestRows.environment();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = EnvironmentState.findByName(env, TestRows.node()).orElseThrow();
              e.appName = "sylvan-app-" + env;
              e.desiredCommit = TestRows.SHA;
              e.actualCommit = TestRows.SHA;
              e.sync = SyncStatus.SYNCED;
              e.health = AppHealth.HEALTHY;
              e.observedAt = Instant.now();
              e.markReady(Reasons.RECONCILIATION_SUCCEEDED, "serving " + TestRows.SHA);
              e.markStalled(Reasons.ROLLED_BACK, "rolled back");
              e.markReconciling(Reasons.PROGRESSING, "deploying");
              // The other nodes' rows (fleet status) carry the remaining values.
              SyncStatus[] syncs = SyncStatus.values();
              AppHealth[] healths = AppHealth.values();
              for (int i = 0; i < Math.max(syncs.length, healths.length); i++) {
                EnvironmentState other = new EnvironmentState();
                other.name = env;
                other.node = "other-node-" + i;
                other.sync = syncs[i % syncs.length];
                other.health = healths[i % healths.length];
                other.conditions = new ArrayList<>(List.of(condition()));
                other.persist();
              }
            });
    return env;
  }

  private static Condition condition() {
    return new Condition(
        Condition.READY, false, Reasons.DRIFT_DETECTED, "serving x, want y", Instant.now());
  }

  /** Deployments, steps and health checks that together carry every value of their enums. */
  private List<Long> deploymentsWithEveryEnumValue(String env) {
    List<Long> ids = new ArrayList<>();
    DeploymentStatus[] statuses = DeploymentStatus.values();
    DeploymentType[] types = DeploymentType.values();
    Trigger[] triggers = Trigger.values();
    BuildIdSource[] sources = BuildIdSource.values();
    int n = Math.max(Math.max(statuses.length, types.length), triggers.length);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (int i = 0; i < n; i++) {
                Deployment d = TestRows.deployment(env, statuses[i % statuses.length]);
                d.node = TestRows.node();
                d.type = types[i % types.length];
                d.trigger = triggers[i % triggers.length];
                d.buildId = "build-" + i;
                d.buildIdSource = sources[i % sources.length];
                d.previousCommit = "d".repeat(40);
                d.endedAt = i % 2 == 0 ? Instant.now() : null;
                d.errorStep = i % 2 == 0 ? "build" : null;
                d.errorMessage = i % 2 == 0 ? "npm run build exited 1" : null;
                d.errorCode = i % 2 == 0 ? "BUILD_FAILED" : null;
                d.persist();
                ids.add(d.id);
              }
              long first = ids.get(0);
              StepStatus[] steps = StepStatus.values();
              for (int seq = 1; seq <= steps.length; seq++) {
                DeploymentStepRecord s = new DeploymentStepRecord();
                s.deploymentId = first;
                s.seq = seq;
                s.name = "step-" + seq;
                s.phase = "BUILD";
                s.status = steps[seq - 1];
                s.startedAt = Instant.now();
                s.endedAt = seq % 2 == 0 ? null : Instant.now();
                s.durationMs = seq % 2 == 0 ? null : 10L * seq;
                s.output = "output " + seq;
                s.persist();
              }
              for (HealthStatus status : HealthStatus.values()) {
                HealthCheckRecord h = new HealthCheckRecord();
                h.environment = env;
                h.node = TestRows.node();
                h.deploymentId = first;
                h.status = status;
                h.checks = new LinkedHashMap<>(Map.of("http", status.wire()));
                h.responseTimeMs = status == HealthStatus.HEALTHY ? 12L : null;
                h.checkedAt = Instant.now();
                h.persist();
              }
            });
    return ids;
  }
}
