package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code sylvanctl deploy --wait} and {@code logs} against a running operator deploying the plain
 * Node fixture under a real PM2: exit codes for success, halt and rollback, and the three ways of
 * printing. The terminal's live line is asked for with {@code --tty} (the test has no terminal);
 * plain lines with {@code --no-tty}, as when stdout is a pipe.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestProfile(WaitTestProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SylvanCtlWaitTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern STARTED = Pattern.compile("deployment (\\d+) started");

  static final NodeFixture F = WaitTestProfile.FIXTURE;

  static long firstDeployment;

  @TestHTTPResource("/")
  URL server;

  Ctl ctl(String... args) {
    return Ctl.against(server, WaitTestProfile.TOKEN, args);
  }

  @Test
  @Order(1)
  void deployWithWaitPrintsEachStepAsPlainLinesAndExitsZeroOnSuccess() {
    Ctl r = ctl("deploy", F.env, "--wait", "--no-tty");

    assertThat(r.exitCode()).as(r.all()).isZero();
    Matcher m = STARTED.matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    firstDeployment = Long.parseLong(m.group(1));
    assertThat(r.out())
        .contains("deploy of " + F.env + " accepted: deployment " + firstDeployment)
        .contains("  Building application ...")
        .containsPattern("  ok Building application \\(\\d+\\.\\ds\\)")
        .containsPattern("  ok Running health checks \\(\\d+\\.\\ds\\)")
        .containsPattern("deployment " + firstDeployment + " success in \\d+\\.\\ds")
        .doesNotContain("\r")
        .doesNotContain(F.canary);
    // Each step is printed as it starts, then as it ends.
    assertThat(r.out().indexOf("  Building application ..."))
        .isLessThan(r.out().indexOf("  ok Building application"));
  }

  @Test
  @Order(2)
  void logsPrintsTheDeployLogOfThatDeployment() {
    Ctl r = ctl("logs", Long.toString(firstDeployment));

    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("[STEP] Building application (duration:")
        .contains("Deployment completed successfully")
        .doesNotContain(F.canary);
    Ctl missing = ctl("logs", "999999");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("no deployment with id 999999");
  }

  @Test
  @Order(3)
  void aHaltedDeploymentExitsWithCode4AndTheFailedStepsMessageOnTheLiveLine() throws Exception {
    F.desire(F.repo.commitBuildFailure());

    Ctl r = ctl("deploy", F.env, "--wait", "--tty");

    assertThat(r.exitCode()).as(r.all()).isEqualTo(CliException.DEPLOYMENT_FAILED);
    assertThat(r.err()).contains("failed: Building application: ");
    // The running step is shown on one line that is rewritten, then replaced by its result.
    assertThat(r.out())
        .contains("\r\u001b[K  ... Building application")
        .contains("\r\u001b[K  FAILED Building application (");
  }

  @Test
  @Order(4)
  void aDeploymentThatFailsAfterTheSwitchExitsWithCode5AsJsonLines() throws Exception {
    F.desire(F.repo.commitUnhealthyAfterSwitch());

    Ctl r = ctl("--output", "json", "deploy", F.env, "--wait");

    assertThat(r.exitCode()).as(r.all()).isEqualTo(CliException.ROLLED_BACK);
    assertThat(r.err()).contains("was rolled back");
    List<JsonNode> lines = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      lines.add(JSON.readTree(line));
    }
    JsonNode accepted = lines.get(0);
    long id = accepted.get("deploymentId").asLong();
    JsonNode last = lines.get(lines.size() - 1);
    assertThat(last.get("event").asText()).isEqualTo("deployment.finished");
    assertThat(last.get("deploymentId").asLong()).isEqualTo(id);
    assertThat(last.get("status").asText()).isEqualTo("rolled_back");
    assertThat(last.get("failedStep").asText()).isEqualTo("Running health checks");
    // The automatic rollback's steps are followed too: it is what this deployment led to.
    assertThat(lines)
        .anySatisfy(
            l -> {
              assertThat(l.path("event").asText()).isEqualTo("deployment.started");
              assertThat(l.path("trigger").asText()).isEqualTo("auto-rollback");
            });
    assertThat(r.out()).doesNotContain(F.canary);
  }
}
