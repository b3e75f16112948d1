package io.sylvan.operator.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sylvan.operator.api.AuthTest;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.fleet.TestPolicies;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's rollout controls over HTTP, as the browser posts them: a session signed in
 * through the form pauses, resumes and aborts a rollout written through the real {@link
 * RolloutStore} (nodes web-1 and web-2 are other agents; only their rows exist).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(AuthTest.WithToken.class)
class DashboardRolloutActionsTest {

  private static final String C0 = "c".repeat(40);
  private static final String C1 = "d".repeat(40);
  private static final RolloutPolicy ONE_BY_ONE = TestPolicies.canaryThen(1);
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  @Inject RolloutStore store;

  @Test
  void aSignedInSessionPausesResumesAndAbortsARolloutFromTheEnvironmentPage() throws Exception {
    String env = fleetEnvironment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2"), ONE_BY_ONE);
    store.admit(r.id(), "web-1", C0);
    String session = signIn();

    String page = page(env, session);
    assertThat(page).contains("id=\"action-rollout-pause\"", "id=\"action-rollout-abort\"");
    assertThat(page).doesNotContain("id=\"action-rollout-resume\"");
    String csrf = csrf(page);

    assertThat(act(env, "pause", session, csrf).header("Location")).contains("pause+requested");
    assertThat(phase(env)).isEqualTo(RolloutPhase.PAUSED);
    assertThat(page(env, session)).contains("id=\"action-rollout-resume\"");

    act(env, "resume", session, csrf);
    assertThat(phase(env)).isEqualTo(RolloutPhase.PROGRESSING);

    act(env, "abort", session, csrf);
    assertThat(phase(env)).isEqualTo(RolloutPhase.REVERTING);
    assertThat(store.revertNeeded(r.id(), "web-1")).isTrue();
    // A rollout that is reverting cannot be paused: the page says why instead of failing.
    assertThat(act(env, "pause", session, csrf).header("Location")).contains("Refused");
  }

  @Test
  void rolloutControlsWithoutASessionAreRefusedAndChangeNothing() throws Exception {
    String env = fleetEnvironment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1"), ONE_BY_ONE);
    store.admit(r.id(), "web-1", C0);
    String csrf = csrf(page(env, signIn()));

    given()
        .contentType("application/x-www-form-urlencoded")
        .formParam("csrf", csrf)
        .redirects()
        .follow(false)
        .post("/ui/environments/" + env + "/rollout/abort")
        .then()
        .statusCode(403);
    assertThat(phase(env)).isEqualTo(RolloutPhase.PROGRESSING);
  }

  private RolloutPhase phase(String env) throws java.sql.SQLException {
    return store.latest(env).orElseThrow().phase();
  }

  /** Signs in through the form (its own CSRF token, then the API token) and returns the cookie. */
  private static String signIn() {
    String form = given().get("/ui/sign-in").then().statusCode(200).extract().asString();
    Response answer =
        given()
            .contentType("application/x-www-form-urlencoded")
            .formParam("csrf", csrf(form))
            .formParam("token", "test-token")
            .redirects()
            .follow(false)
            .post("/ui/sign-in");
    assertThat(answer.statusCode()).isEqualTo(303);
    String session = answer.getCookie(UiSessions.COOKIE);
    assertThat(session).isNotBlank();
    return session;
  }

  private static String page(String env, String session) {
    return given()
        .cookie(UiSessions.COOKIE, session)
        .get("/ui/environments/" + env)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  private static Response act(String env, String verb, String session, String csrf) {
    Response answer =
        given()
            .cookie(UiSessions.COOKIE, session)
            .contentType("application/x-www-form-urlencoded")
            .formParam("csrf", csrf)
            .redirects()
            .follow(false)
            .post("/ui/environments/" + env + "/rollout/" + verb);
    assertThat(answer.statusCode()).as(verb).isEqualTo(303);
    return answer;
  }

  private static String csrf(String html) {
    Matcher m = CSRF.matcher(html);
    assertThat(m.find()).as("a form with a CSRF token").isTrue();
    return m.group(1);
  }

  /** An environment row of this node and one of web-2, as two agents would have written. */
  private static String fleetEnvironment() {
    return TestRows.fleetEnvironment("web-2", C0);
  }
}
