package io.sylvan.operator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.api.AuthTest;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The dashboard's sessions and CSRF tokens: what they accept and what they refuse. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(AuthTest.WithToken.class)
class UiSessionsTest {

  @Inject UiSessions sessions;

  @Test
  void onlyTheApiTokenSignsIn() {
    assertThat(sessions.tokenMatches("test-token")).isTrue();
    assertThat(sessions.tokenMatches("test-token ")).isFalse();
    assertThat(sessions.tokenMatches("")).isFalse();
    assertThat(sessions.tokenMatches(null)).isFalse();
  }

  @Test
  void anIssuedSessionIsValidUntilSignedOutAndTheCookieHoldsNothingOfTheToken() {
    String session = sessions.issue();

    assertThat(session).doesNotContain("test-token");
    assertThat(sessions.valid(session)).isTrue();
    assertThat(sessions.session(session)).contains(session);

    sessions.signOut(session);

    assertThat(sessions.valid(session)).isFalse();
    assertThat(sessions.session(session)).isEmpty();
    assertThat(sessions.valid(sessions.issue())).as("others stay signed in").isTrue();
  }

  @Test
  void aTamperedOrForeignValueIsNoSession() {
    String session = sessions.issue();
    String[] parts = session.split("\\.");
    // A later expiry with the old signature.
    String extended = (Long.parseLong(parts[0]) + 86_400) + "." + parts[1] + "." + parts[2];

    assertThat(sessions.valid(extended)).isFalse();
    assertThat(sessions.valid(session + "x")).isFalse();
    assertThat(sessions.valid("garbage")).isFalse();
    assertThat(sessions.valid("1.2")).isFalse();
    assertThat(sessions.valid(null)).isFalse();
    // The sign-in form's token is signed by the same key for another purpose: no session.
    assertThat(sessions.valid(sessions.signInCsrf())).isFalse();
  }

  @Test
  void aSessionsCsrfTokenFitsThatSessionOnly() {
    String one = sessions.issue();
    String other = sessions.issue();

    assertThat(sessions.csrfMatches(one, sessions.csrfFor(one))).isTrue();
    assertThat(sessions.csrfMatches(one, sessions.csrfFor(other))).isFalse();
    assertThat(sessions.csrfMatches(one, null)).isFalse();
    assertThat(sessions.csrfMatches(one, "")).isFalse();
    // The sign-in form's token is for the form without a session only.
    assertThat(sessions.csrfMatches(null, sessions.signInCsrf())).isTrue();
    assertThat(sessions.csrfMatches(one, sessions.signInCsrf())).isFalse();
    assertThat(sessions.csrfMatches(null, sessions.csrfFor(one))).isFalse();
  }

  @Test
  void onlyNoticesTheDashboardSignedAreShown() {
    String notice = "rollback requested";
    String signature = sessions.noticeSignature(notice);

    assertThat(sessions.noticeSigned(notice, signature)).isTrue();
    assertThat(sessions.noticeSigned("Your session expired, sign in at evil.example", signature))
        .isFalse();
    assertThat(sessions.noticeSigned(notice, null)).isFalse();
    assertThat(sessions.noticeSigned(null, signature)).isFalse();
  }
}
