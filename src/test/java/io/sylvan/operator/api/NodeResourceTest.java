package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sylvan.operator.fleet.NodeRegistry;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /nodes}: the operator's own node, registered at start, Ready, without a token. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class NodeResourceTest {

  @Inject NodeRegistry registry;

  @Test
  void nodesListsThisOperatorAsAReadyNodeWithoutAToken() {
    JsonPath json =
        given()
            .when()
            .get("/nodes")
            .then()
            .statusCode(200)
            .contentType("application/json")
            .extract()
            .jsonPath();

    String self = "find { it.self == true }.";
    assertThat(json.getString(self + "name")).isEqualTo(registry.name());
    assertThat(json.getBoolean(self + "ready")).isTrue();
    assertThat(json.getDouble(self + "leaseAgeSeconds")).isBetween(0.0, 40.0);
    assertThat(json.getString(self + "operatorVersion")).isNotBlank();
    assertThat(json.getMap(self + "labels")).isInstanceOf(Map.class);
    assertThat(Instant.parse(json.getString(self + "startedAt"))).isBefore(Instant.now());
  }
}
