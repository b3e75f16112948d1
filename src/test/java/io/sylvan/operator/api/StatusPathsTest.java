package io.sylvan.operator.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /status} is public: it shows no absolute path of the operator's machine except under an
 * environment's target root. The messages here are the kind the operator writes (a git mirror that
 * cannot be fetched, a spec file, the project folder, a release under the target root).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class StatusPathsTest {

  /** Any absolute path: a slash that starts a word (not a URL's, not a relative path's). */
  static final Pattern ABSOLUTE = Pattern.compile("(?<![\\w.:/<>-])/[\\w.@+-]+(?:/[\\w.@+-]+)*");

  /** The example specs' target roots (deploy-specs/): the only absolute paths /status may show. */
  static final List<String> TARGET_ROOTS = List.of("/srv/sylvan/production", "/srv/sylvan/test");

  @Inject EnvironmentService environments;
  @Inject OperatorConfig config;
  @Inject ObjectMapper mapper;

  @Test
  void statusShowsNoAbsolutePathOfTheMachineOutsideTheTargetRoots() throws Exception {
    Path data = config.dataDir().toAbsolutePath().normalize();
    Path specs = config.specs().directory().toAbsolutePath().normalize();
    Path project = Path.of("pom.xml").toAbsolutePath();
    String env = TestRows.environment();
    environments.update(
        env,
        e -> {
          e.markNotReady(
              Reasons.SOURCE_UNAVAILABLE,
              "git --git-dir "
                  + data.resolve("mirrors/github.com_acme_app.git")
                  + " fetch failed: exit 128; see "
                  + project
                  + ".");
          e.markStalled(
              Reasons.INVALID_SPEC,
              specs.resolve("production.yaml")
                  + ":3:5 spec.process.port: must be a number; release kept in"
                  + " /srv/sylvan/production/releases/20261203_aaaaaaaaaaaa");
        });

    String all = given().get("/status").then().statusCode(200).extract().asString();
    String one = given().get("/status/" + env).then().statusCode(200).extract().asString();

    // Other tests' environments share this database and carry their own messages (an HTTP route
    // such as GET /api/health reads like a path): only this test's rows are checked.
    JsonNode allTree = mapper.readTree(all);
    JsonNode ours = mapper.createArrayNode();
    for (JsonNode e : allTree.path("environments")) {
      if (env.equals(e.path("name").asText())) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) ours).add(e);
      }
    }
    assertThat(ours).hasSize(1);
    for (JsonNode tree : List.of(ours, allTree.path("specSource"), mapper.readTree(one))) {
      List<String> shown = absolutePaths(tree);
      assertThat(shown)
          .as("absolute paths in /status outside the target roots")
          .allMatch(p -> TARGET_ROOTS.stream().anyMatch(p::startsWith));
    }
    assertThat(one)
        .contains("<data-dir>/mirrors/github.com_acme_app.git fetch failed")
        .contains("deploy-specs/production.yaml:3:5")
        .contains(".../pom.xml.")
        .contains("/srv/sylvan/production/releases/20261203_aaaaaaaaaaaa");
    assertThat(mapper.readTree(all).path("specSource").path("source").asText())
        .isEqualTo("directory deploy-specs");
  }

  @Test
  void anHttpRouteInAMessageIsNoPathOfTheMachineAndStaysAsItIs() {
    StatusPaths paths =
        new StatusPaths(Map.of(Path.of("target/test-data"), "<data-dir>"), List.of());
    assertThat(paths.text("failed: http (GET /api/health answered 500)"))
        .isEqualTo("failed: http (GET /api/health answered 500)");
    assertThat(paths.text("see https://example.com/a/b")).isEqualTo("see https://example.com/a/b");
  }

  private static List<String> absolutePaths(JsonNode node) {
    List<String> found = new ArrayList<>();
    if (node.isTextual()) {
      Matcher m = ABSOLUTE.matcher(node.textValue());
      while (m.find()) {
        found.add(m.group());
      }
    }
    node.elements().forEachRemaining(child -> found.addAll(absolutePaths(child)));
    return found;
  }
}
