package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.fleet.RolloutPolicy;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.fleet.TestPolicies;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code sylvanctl rollout} against a running operator (real HTTP, real PostgreSQL), with rollout
 * rows written through the {@link RolloutStore} as the node agents write them.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@TestProfile(CliTestProfile.class)
class SylvanCtlRolloutTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String C0 = "3".repeat(40);
  private static final String C1 = "4".repeat(40);
  private static final RolloutPolicy POLICY = TestPolicies.canaryThen(2);

  @TestHTTPResource("/")
  URL base;

  @Inject RolloutStore store;

  @Test
  void rolloutShowsThePhaseWaveAndEveryNodesStateInATable() throws Exception {
    String env = TestRows.environment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2", "web-3"), POLICY);
    store.admit(r.id(), "web-1", C0);
    store.healthy(r.id(), "web-1");

    Ctl shown = ctl("rollout", env);
    Ctl explicit = ctl("rollout", "show", env);

    assertThat(shown.exitCode()).as(shown.all()).isZero();
    assertThat(shown.out())
        .contains("rollout #" + r.id() + " of " + env)
        .contains(C0.substring(0, 12) + " -> " + C1.substring(0, 12))
        .contains("progressing, wave 1 of 2, failures 0/0")
        .containsPattern("(?m)^NODE\\s+WAVE\\s+STATE\\s+STARTED\\s+HEALTHY\\s+ERROR$")
        .containsPattern("(?m)^web-1\\s+0\\s+healthy\\s+\\d{4}-")
        .containsPattern("(?m)^web-3\\s+1\\s+pending\\s+-");
    assertThat(explicit.out()).isEqualTo(shown.out());
    // The status table of the environment shows each node's rollout state too.
    assertThat(ctl("status", env).out()).containsPattern("(?m)^" + env + "\\s+web-2\\s.*pending$");
  }

  @Test
  void rolloutPauseResumeAndAbortNeedTheTokenAndPrintTheRollout() throws Exception {
    String env = TestRows.environment();
    RolloutState r = store.ensure(env, C1, C0, List.of("web-1", "web-2"), POLICY);

    Ctl noToken = ctl("rollout", "pause", env);
    Ctl paused = ctl("rollout", "pause", env, "--token", CliTestProfile.TOKEN);

    assertThat(noToken.exitCode()).isEqualTo(3);
    assertThat(paused.exitCode()).as(paused.all()).isZero();
    assertThat(paused.out()).contains("rollout pause of " + env + " accepted").contains("paused");
    assertThat(store.get(r.id()).orElseThrow().phase()).isEqualTo(RolloutPhase.PAUSED);

    Ctl resumed =
        ctl("--output", "json", "rollout", "resume", env, "--token", CliTestProfile.TOKEN);
    JsonNode json = JSON.readTree(resumed.out());
    assertThat(json.get("phase").asText()).isEqualTo("progressing");
    assertThat(json.get("id").asLong()).isEqualTo(r.id());

    Ctl aborted = ctl("rollout", "abort", env, "--token", CliTestProfile.TOKEN);
    assertThat(aborted.exitCode()).as(aborted.all()).isZero();
    // Nothing had switched: the abort ends the rollout at once.
    assertThat(aborted.out()).contains("aborted").contains("stopped at abort: RolloutAborted");

    Ctl again = ctl("rollout", "abort", env, "--token", CliTestProfile.TOKEN);
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("no active rollout");
  }

  @Test
  void rolloutOfAnEnvironmentWithoutOneSaysSoAndAnUnknownActionIsAUsageError() {
    String env = TestRows.environment();

    Ctl none = ctl("rollout", env);
    Ctl bad = ctl("rollout", "restart", env);
    Ctl unknown = ctl("rollout", "no-such-env-" + System.nanoTime());

    assertThat(none.exitCode()).as(none.all()).isZero();
    assertThat(none.out()).contains(env + " has had no rollout");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown action 'restart'");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("no environment named");
  }

  private Ctl ctl(String... args) {
    String server = base.toString().replaceAll("/$", "");
    String[] all = new String[args.length + 2];
    all[0] = "--server";
    all[1] = server;
    System.arraycopy(args, 0, all, 2, args.length);
    return Ctl.run(all);
  }
}
