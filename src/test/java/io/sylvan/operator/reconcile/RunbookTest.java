package io.sylvan.operator.reconcile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sylvan.operator.pipeline.DeploymentOutcome;
import io.sylvan.operator.pipeline.DeploymentOutcome.Result;
import io.sylvan.operator.pipeline.FailureCode;
import io.sylvan.operator.pipeline.HealthReport;
import io.sylvan.operator.pipeline.Phase;
import io.sylvan.operator.pipeline.PreparedDeployment.Kind;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecError;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The runbook's table of condition reasons (docs/operations.md) against the code: every constant of
 * {@link Reasons} has a row and every row a constant; and each state the tests can reach is driven
 * through {@link StatusWriter} (the one owner of status) with the calls, in the order, that the
 * reconciler, the pipeline and the loop make for it, then read back from {@code /status/{env}} and
 * compared with its row. Each scenario starts from an environment whose commit deployed (Ready
 * True, Synced, Healthy), then the spec names a new commit.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class RunbookTest {

  static final Path RUNBOOK = Path.of("docs/operations.md");
  static final String GOOD = "a".repeat(40);
  static final String BAD = "b".repeat(40);
  static final List<String> TYPES = List.of("Ready", "Reconciling", "Stalled");

  @Inject StatusWriter status;
  @Inject EnvironmentService environments;
  @Inject SpecCatalog specs;

  /** One row: each condition's expected status (True, False, or · for unchanged). */
  record Row(
      String reason,
      Map<String, String> conditions,
      List<String> carrying,
      String sync,
      String health,
      String checked) {}

  @Test
  void theRunbookListsEveryReasonConstantAndNoReasonThatDoesNotExist() throws Exception {
    TreeSet<String> inCode = new TreeSet<>(reasonConstants());
    TreeSet<String> inDoc = new TreeSet<>(runbook().keySet());

    assertThat(inCode).as("reasons in state/Reasons.java").hasSizeGreaterThan(20);
    assertThat(inDoc)
        .as("the runbook's condition reasons table (missing rows / rows of no constant)")
        .isEqualTo(inCode);
  }

  @Test
  void everyReasonTheTestsCanReachShowsOnStatusTheConditionsItsRunbookRowLists() throws Exception {
    Map<String, Row> rows = runbook();
    Map<String, Consumer<String>> scenarios = scenarios();
    SoftAssertions soft = new SoftAssertions();
    for (Row row : rows.values()) {
      boolean checked = row.checked().startsWith("yes");
      soft.assertThat(scenarios.containsKey(row.reason()))
          .as("%s: the runbook says checked '%s'", row.reason(), row.checked())
          .isEqualTo(checked);
      if (!checked || !scenarios.containsKey(row.reason())) {
        continue;
      }
      String env = deployedEnvironment();
      JsonPath before = status(env);
      scenarios.get(row.reason()).accept(env);
      compare(soft, row, before, status(env));
    }
    soft.assertAll();
  }

  @Test
  void afterAnAutomaticRollbackTheNextTicksKeepReadyOnRolledBackNotDriftDetected() {
    String env = deployedEnvironment();
    rolledBack(env);
    nextTick(env);
    nextTick(env);

    JsonPath json = status(env);
    assertThat(json.getString("conditions.find { it.type == 'Ready' }.reason"))
        .isEqualTo(Reasons.ROLLED_BACK);
    assertThat(json.getString("conditions.find { it.type == 'Ready' }.message"))
        .as("the rollback's own message is kept")
        .contains("was rolled back to " + GOOD.substring(0, 12));
  }

  @Test
  void aDeploymentThatReplacesAServingReleaseKeepsItsHealthAndAFirstOneIsProgressing() {
    String env = deployedEnvironment();
    commitDrift(env);
    status.started(env, DeploymentType.UPDATE, BAD);
    assertThat(status(env).getString("health")).isEqualTo("Healthy");

    String fresh = TestRows.environment();
    environments.update(fresh, e -> e.desiredCommit = BAD);
    status.drift(fresh, observation(Drift.NOT_DEPLOYED, "nothing deployed yet"), BAD);
    assertThat(status(fresh).getString("health")).isEqualTo("Missing");
    status.started(fresh, DeploymentType.INITIAL, BAD);
    assertThat(status(fresh).getString("health")).isEqualTo("Progressing");
    status.finished(halted(fresh, FailureCode.BUILD_FAILED, "Building application", Phase.BUILD));
    assertThat(status(fresh).getString("health"))
        .as("a first deployment that halted: still nothing serves")
        .isEqualTo("Missing");
  }

  // ---- the scenarios: the status calls each path of the code makes, in its order ----

  private Map<String, Consumer<String>> scenarios() {
    Map<String, Consumer<String>> s = new LinkedHashMap<>();
    s.put(
        Reasons.RECONCILIATION_SUCCEEDED,
        env -> {
          commitDrift(env);
          status.started(env, DeploymentType.UPDATE, BAD);
          status.finished(outcome(env, BAD, Kind.UPDATE, Result.SUCCEEDED, null, null, true));
        });
    s.put(Reasons.PROGRESSING, this::driftCorrected);
    s.put(Reasons.DRIFT_DETECTED, this::driftCorrected);
    s.put(
        Reasons.DRIFT_REPORTED,
        env -> {
          commitDrift(env);
          status.driftReported(env, "serving aaaaaaaaaaaa, want bbbbbbbbbbbb");
        });
    s.put(
        Reasons.NOT_DEPLOYED,
        env -> {
          // A row that never served: what the loop finds for a new spec.
          environments.update(
              env,
              e -> {
                e.conditions = new ArrayList<>();
                e.actualCommit = null;
                e.lastGoodCommit = null;
                e.health = io.sylvan.operator.state.AppHealth.UNKNOWN;
              });
          status.drift(env, observation(Drift.NOT_DEPLOYED, "nothing deployed yet"), BAD);
          status.started(env, DeploymentType.INITIAL, BAD);
        });
    s.put(Reasons.INVALID_SPEC, env -> specProblem(env, SpecSnapshot.Problem.INVALID));
    s.put(Reasons.SPEC_CONFLICT, env -> specProblem(env, SpecSnapshot.Problem.CONFLICT));
    s.put(Reasons.SPEC_REMOVED, env -> applyWith(List.of()));
    s.put(
        Reasons.SPEC_SOURCE_UNAVAILABLE,
        env -> retrying(env, Reasons.SPEC_SOURCE_UNAVAILABLE, "no spec loaded yet"));
    s.put(
        Reasons.SOURCE_UNAVAILABLE,
        env -> {
          commitDrift(env);
          status.sourceUnavailable(env, "git fetch: could not resolve host");
          retrying(env, Reasons.SOURCE_UNAVAILABLE, "git fetch: could not resolve host");
        });
    s.put(
        Reasons.COMMIT_NOT_FOUND,
        env -> {
          commitDrift(env);
          status.commitNotFound(env, BAD, "commit bbbbbbbbbbbb not found in the repository");
          nextTick(env);
        });
    s.put(
        Reasons.DEPLOYMENT_FAILED,
        env -> haltedAndTicked(env, FailureCode.BUILD_FAILED, "Building application", Phase.BUILD));
    s.put(
        Reasons.PREVIEW_FAILED,
        env ->
            haltedAndTicked(
                env,
                FailureCode.PREVIEW_FAILED,
                "Previewing the release before traffic",
                Phase.BUILD));
    s.put(
        Reasons.PREFLIGHT_FAILED,
        env ->
            haltedAndTicked(env, FailureCode.PREFLIGHT_FAILED, "Next.js preflight", Phase.BUILD));
    s.put(
        Reasons.BUILD_MISMATCH,
        env ->
            haltedAndTicked(env, FailureCode.BUILD_MISMATCH, "Building application", Phase.BUILD));
    s.put(
        Reasons.ROLLED_BACK,
        env -> {
          rolledBack(env);
          nextTick(env);
        });
    s.put(
        Reasons.ROLLBACK_FAILED,
        env -> {
          failedAfterSwitch(
              env,
              Result.ROLLBACK_FAILED,
              new DeploymentOutcome.Rollback(
                  2, GOOD, failure("Reloading PM2", Phase.ROLLBACK, FailureCode.RELOAD_FAILED)),
              false);
          nextTick(env);
        });
    s.put(
        Reasons.MANUAL_ROLLBACK_PINNED,
        env -> {
          // BAD deployed and served; a person rolls back to GOOD.
          commitDrift(env);
          status.started(env, DeploymentType.UPDATE, BAD);
          status.finished(outcome(env, BAD, Kind.UPDATE, Result.SUCCEEDED, null, null, true));
          status.manualRollbackRequested(env, GOOD, BAD, null);
          status.drift(
              env, observation(Drift.COMMIT, "serving bbbbbbbbbbbb, want aaaaaaaaaaaa"), GOOD);
          status.started(env, DeploymentType.ROLLBACK, GOOD);
          status.finished(outcome(env, GOOD, Kind.ROLLBACK, Result.SUCCEEDED, null, null, true));
          status.inSync(env, GOOD, true, healthy(), "serving aaaaaaaaaaaa");
        });
    s.put(Reasons.SUSPENDED, status::suspendedByPerson);
    s.put(
        Reasons.OPERATOR_RESTARTED,
        env -> haltedAndRetried(env, FailureCode.OPERATOR_STOPPED, Reasons.OPERATOR_RESTARTED));
    s.put(
        Reasons.DEPLOYMENT_INTERRUPTED,
        env -> haltedAndRetried(env, FailureCode.INTERRUPTED, Reasons.DEPLOYMENT_INTERRUPTED));
    s.put(
        Reasons.LEASE_LOST,
        env -> haltedAndRetried(env, FailureCode.LEASE_LOST, Reasons.LEASE_LOST));
    s.put(Reasons.LOCK_BUSY, env -> retrying(env, Reasons.LOCK_BUSY, "held by another operator"));
    s.put(
        Reasons.HEALTH_CHECK_FAILED,
        env -> {
          // No new commit here: the serving, desired release fails its periodic check.
          environments.update(env, e -> e.desiredCommit = GOOD);
          status.inSync(env, GOOD, false, unhealthy(), "serving aaaaaaaaaaaa");
        });
    s.put(
        Reasons.ROLLOUT_WAITING,
        env -> {
          commitDrift(env);
          status.rolloutWaiting(env, Reasons.ROLLOUT_WAITING, "waits for wave 1");
        });
    s.put(
        Reasons.ROLLOUT_PAUSED,
        env -> {
          commitDrift(env);
          status.rolloutWaiting(env, Reasons.ROLLOUT_PAUSED, "the rollout is paused");
        });
    s.put(
        Reasons.ROLLOUT_FAILED,
        env -> {
          commitDrift(env);
          status.rolloutStopped(env, Reasons.ROLLOUT_FAILED, "node web-2 failed at health");
        });
    s.put(
        Reasons.ROLLOUT_ABORTED,
        env -> {
          commitDrift(env);
          status.rolloutStopped(env, Reasons.ROLLOUT_ABORTED, "aborted by a person");
        });
    return s;
  }

  /** Drift seen and a run started to correct it (Reconciler: drift, unstall, pipeline start). */
  private void driftCorrected(String env) {
    commitDrift(env);
    status.started(env, DeploymentType.UPDATE, BAD);
  }

  private void rolledBack(String env) {
    failedAfterSwitch(env, Result.ROLLED_BACK, new DeploymentOutcome.Rollback(2, GOOD, null), true);
  }

  /** BAD went live, failed its health check after the switch, and {@code rollback} followed. */
  private void failedAfterSwitch(
      String env, Result result, DeploymentOutcome.Rollback rollback, boolean healthChecked) {
    commitDrift(env);
    status.started(env, DeploymentType.UPDATE, BAD);
    status.finished(
        outcome(
            env,
            BAD,
            Kind.UPDATE,
            result,
            failure("Running health checks", Phase.POST_DEPLOY, FailureCode.HEALTH_CHECK),
            rollback,
            healthChecked));
  }

  private void haltedAndTicked(String env, FailureCode code, String step, Phase phase) {
    commitDrift(env);
    status.started(env, DeploymentType.UPDATE, BAD);
    status.finished(halted(env, code, step, phase));
    nextTick(env);
  }

  /** A halt the loop retries: the run's end, then the work queue's retry write. */
  private void haltedAndRetried(String env, FailureCode code, String reason) {
    commitDrift(env);
    status.started(env, DeploymentType.UPDATE, BAD);
    status.finished(halted(env, code, "Building application", Phase.BUILD));
    retrying(env, reason, "boom");
  }

  /** The spec now names BAD while GOOD serves: what the reconciler writes first. */
  private void commitDrift(String env) {
    status.drift(env, observation(Drift.COMMIT, "serving aaaaaaaaaaaa, want bbbbbbbbbbbb"), BAD);
  }

  /**
   * The loop's next look at an environment whose desired commit failed, as {@link Reconciler} does
   * it: drift, then the stall of the failed commit.
   */
  private void nextTick(String env) {
    EnvironmentState state = environments.find(env).orElseThrow();
    String detail = "serving aaaaaaaaaaaa, want bbbbbbbbbbbb";
    status.drift(env, observation(Drift.COMMIT, detail), BAD);
    if (BAD.equals(state.failedCommit)) {
      status.stalledOnFailedCommit(env, state, detail);
    }
  }

  private void retrying(String env, String reason, String message) {
    status.retrying(env, reason, message, Duration.ofSeconds(5));
  }

  private void specProblem(String env, SpecSnapshot.Problem problem) {
    String file = env + ".yaml";
    applyWith(
        List.of(
            new SpecSnapshot.InvalidSpec(
                env,
                file,
                List.of(new SpecError(file, 3, 5, "spec.process.port", "must be a number")),
                problem)));
  }

  /** A spec view with the example specs as they are, plus {@code invalid}; other rows: removed. */
  private void applyWith(List<SpecSnapshot.InvalidSpec> invalid) {
    SpecSnapshot current = specs.current().orElseThrow();
    environments.applySnapshot(
        new SpecSnapshot(
            current.revision(), Instant.now(), current.valid(), invalid, current.elsewhere()));
  }

  // ---- inputs ----

  /** A new environment where GOOD deployed, is healthy, and the spec then names BAD. */
  private String deployedEnvironment() {
    String env = TestRows.environment();
    environments.update(env, e -> e.desiredCommit = GOOD);
    status.drift(env, observation(Drift.NOT_DEPLOYED, "nothing deployed yet"), GOOD);
    status.started(env, DeploymentType.INITIAL, GOOD);
    status.finished(outcome(env, GOOD, Kind.UPDATE, Result.SUCCEEDED, null, null, true));
    status.inSync(env, GOOD, false, healthy(), "serving aaaaaaaaaaaa");
    environments.update(env, e -> e.desiredCommit = BAD);
    return env;
  }

  private static Observation observation(Drift drift, String detail) {
    Optional<String> serving = drift == Drift.NOT_DEPLOYED ? Optional.empty() : Optional.of(GOOD);
    return new Observation(Optional.empty(), serving, List.of(), serving, drift, detail);
  }

  private static DeploymentOutcome halted(String env, FailureCode code, String step, Phase phase) {
    return outcome(env, BAD, Kind.UPDATE, Result.HALTED, failure(step, phase, code), null, false);
  }

  private static DeploymentOutcome.Failure failure(String step, Phase phase, FailureCode code) {
    return new DeploymentOutcome.Failure(step, phase, code, "boom");
  }

  private static DeploymentOutcome outcome(
      String env,
      String commit,
      Kind kind,
      Result result,
      DeploymentOutcome.Failure failure,
      DeploymentOutcome.Rollback rollback,
      boolean healthChecked) {
    return new DeploymentOutcome(
        1, env, commit, kind, result, null, failure, "boom", healthChecked, "kept live", rollback);
  }

  private static HealthReport healthy() {
    return new HealthReport(
        HealthReport.HEALTHY, Map.of(), null, "1.0.0", GOOD, "ok", Instant.now());
  }

  private static HealthReport unhealthy() {
    return new HealthReport(
        HealthReport.UNHEALTHY,
        Map.of("http", HealthReport.FAIL),
        null,
        "1.0.0",
        GOOD,
        "GET /api/health answered 500",
        Instant.now());
  }

  // ---- reading and comparing ----

  private static JsonPath status(String env) {
    return given().get("/status/" + env).then().statusCode(200).extract().jsonPath();
  }

  private static void compare(SoftAssertions soft, Row row, JsonPath before, JsonPath after) {
    String r = row.reason();
    for (String type : TYPES) {
      String want = row.conditions().get(type);
      String path = "conditions.find { it.type == '" + type + "' }";
      Boolean status = after.get(path + ".status");
      String reason = after.getString(path + ".reason");
      if ("·".equals(want)) {
        soft.assertThat(status)
            .as("%s: %s unchanged", r, type)
            .isEqualTo(before.get(path + ".status"));
        soft.assertThat(reason)
            .as("%s: %s unchanged", r, type)
            .isEqualTo(before.getString(path + ".reason"));
        continue;
      }
      soft.assertThat(status != null && status)
          .as("%s: %s=%s (shown: %s %s)", r, type, want, status, reason)
          .isEqualTo(want.equals("True"));
      if (row.carrying().contains(type)) {
        soft.assertThat(reason).as("%s: %s carries it", r, type).isEqualTo(r);
      } else {
        soft.assertThat(reason).as("%s: %s carries another reason", r, type).isNotEqualTo(r);
      }
    }
    expectField(soft, r, "sync", row.sync(), before, after);
    expectField(soft, r, "health", row.health(), before, after);
  }

  private static void expectField(
      SoftAssertions soft, String r, String field, String want, JsonPath before, JsonPath after) {
    String expected = "·".equals(want) ? before.getString(field) : want;
    soft.assertThat(after.getString(field)).as("%s: %s", r, field).isEqualTo(expected);
  }

  // ---- the two sources ----

  /** Every {@code public static final String} of {@link Reasons}: their values. */
  static List<String> reasonConstants() throws IllegalAccessException {
    List<String> values = new ArrayList<>();
    for (Field f : Reasons.class.getDeclaredFields()) {
      int m = f.getModifiers();
      if (Modifier.isPublic(m)
          && Modifier.isStatic(m)
          && Modifier.isFinal(m)
          && f.getType() == String.class) {
        values.add((String) f.get(null));
      }
    }
    return values;
  }

  private static final Pattern CONDITION =
      Pattern.compile("(\\*\\*)?(Ready|Reconciling|Stalled)=(True|False|·)(\\*\\*)?");

  /** The rows of the table under "## Condition reasons", by reason. */
  static Map<String, Row> runbook() throws IOException {
    List<String> lines = Files.readAllLines(RUNBOOK);
    int start = lines.indexOf("## Condition reasons");
    assertThat(start).as("the runbook has a 'Condition reasons' section").isNotNegative();
    Map<String, Row> rows = new LinkedHashMap<>();
    boolean inTable = false;
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("| Reason |")) {
        inTable = true;
        continue;
      }
      if (!inTable || line.startsWith("|---")) {
        continue;
      }
      if (!line.startsWith("|")) {
        break;
      }
      String[] cells = line.split("\\|");
      String reason = cells[1].trim().replace("`", "");
      Map<String, String> conditions = new LinkedHashMap<>();
      List<String> carrying = new ArrayList<>();
      Matcher m = CONDITION.matcher(cells[2]);
      while (m.find()) {
        conditions.put(m.group(2), m.group(3));
        if (m.group(1) != null && m.group(4) != null) {
          carrying.add(m.group(2));
        }
      }
      String[] syncHealth = cells[3].trim().split(",\\s*");
      String checked = cells[4].trim();
      if (checked.startsWith("yes")) {
        assertThat(conditions.keySet())
            .as("%s: the row names all three conditions", reason)
            .containsExactlyElementsOf(TYPES);
        assertThat(syncHealth).as("%s: 'sync, health'", reason).hasSize(2);
      }
      rows.put(
          reason,
          new Row(
              reason,
              conditions,
              carrying,
              syncHealth[0],
              syncHealth.length > 1 ? syncHealth[1] : "",
              checked));
    }
    return rows;
  }
}
