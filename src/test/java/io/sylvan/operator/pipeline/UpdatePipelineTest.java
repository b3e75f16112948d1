package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.TestRows;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The update pipeline end to end on a real plain-Node app under a real PM2 (own PM2_HOME), from a
 * real git repository, recorded in a real PostgreSQL. The tests build on each other in order: A is
 * deployed, then B, then bad commits that must never stay live.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpdatePipelineTest {

  static final String ENV = "pipeline";
  static final String APP = "pipeline-app";
  static final String CANARY = "canary-" + java.util.UUID.randomUUID();

  static Path work;
  static NodeAppRepo repo;
  static Path root;
  static int port;
  static String commitA;
  static String commitB;
  static Path adminEnvFile;
  static DeploymentOutcome rolledBack;

  @Inject DeploymentRunner runner;
  @Inject ToolboxProducer tools;

  @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sylvan.pm2.home")
  Path pm2Home;

  @BeforeAll
  static void createRepositoryAndTarget() throws IOException {
    work = Files.createTempDirectory("sylvan-pipeline-");
    repo = NodeAppRepo.create(work.resolve("app"), "7.0.0");
    commitA = repo.commitChange("A");
    root = work.resolve("target");
    Files.createDirectories(root.resolve("shared"));
    Files.writeString(
        root.resolve("shared/.env.local"),
        "DATABASE_URL=postgres://app:" + CANARY + "@localhost/app\nAPI_KEY=\"" + CANARY + "\"\n");
    port = TestSpecs.freePort();
  }

  DeploySpec spec(String commit) {
    return spec(commit, "");
  }

  DeploySpec spec(String commit, String extra) {
    return TestSpecs.parse(ENV, TestSpecs.yaml(ENV, APP, repo.dir(), commit, root, port, extra));
  }

  DeploymentOutcome deploy(String commit, DeployOptions options) throws Exception {
    PreparedDeployment p =
        runner.prepareUpdate(spec(commit), commit, options, Trigger.API, "test-revision");
    return runner.execute(p);
  }

  @Test
  @Order(1)
  void deploysTheFirstCommitAsAnInitialDeployment() throws Exception {
    Set<Long> usersDaemonsBefore = pm2DaemonsOf(usersPm2Homes());
    DeploymentOutcome outcome = deploy(commitA, DeployOptions.NONE);

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    assertThat(servedCommit()).isEqualTo(commitA);
    Deployment d = deployment(outcome.deploymentId());
    assertThat(d.type).isEqualTo(DeploymentType.INITIAL);
    assertThat(d.status).isEqualTo(DeploymentStatus.SUCCESS);
    // Every pm2 call, the version check included, goes to the operator's own PM2_HOME: none may
    // start the user's daemon in ~/.pm2. One the user runs for their own apps may be there; only
    // a daemon that appeared meanwhile would be ours.
    assertThat(pm2DaemonHomes().values()).contains(pm2Home.toString());
    assertThat(pm2DaemonsOf(usersPm2Homes())).isSubsetOf(usersDaemonsBefore);
    assertThat(stepNames(d.id))
        .containsExactly(
            "Validating environment and dependencies",
            "Checking out the release",
            "Creating backup",
            "Running database migrations",
            "Writing decrypted env file",
            "Cleaning build cache",
            "Reusing node_modules",
            "Installing dependencies",
            "Reusing build cache",
            "Building application",
            "Checking the Next.js build",
            "Previewing the release before traffic",
            "Switching current release",
            "Reloading PM2",
            "Verifying release under PM2",
            "Running health checks");
    assertThat(instances()).hasSize(2).allMatch(Pm2Process::online);
  }

  @Test
  @Order(2)
  void updatesToTheNextCommitReusingNodeModulesWhenTheLockfileIsUnchanged() throws Exception {
    commitB = repo.commitChange("B");
    DeploymentOutcome outcome = deploy(commitB, DeployOptions.NONE);

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    assertThat(servedCommit()).isEqualTo(commitB);
    assertThat(instances()).allMatch(p -> commitB.equals(p.env().get("SYLVAN_COMMIT")));
    Deployment d = deployment(outcome.deploymentId());
    assertThat(d.type).isEqualTo(DeploymentType.UPDATE);
    assertThat(d.previousCommit).isEqualTo(commitA);
    Map<String, StepStatus> steps = stepStatuses(d.id);
    assertThat(steps.get("Reusing node_modules")).isEqualTo(StepStatus.COMPLETED);
    assertThat(steps.get("Installing dependencies")).isEqualTo(StepStatus.SKIPPED);
    assertThat(Files.isDirectory(Path.of(d.releaseDir, "node_modules", NodeAppRepo.DEPENDENCY)))
        .isTrue();
    // The build started from a copy of A's build cache; A's own cache was left as it was.
    assertThat(steps.get("Reusing build cache")).isEqualTo(StepStatus.COMPLETED);
    assertThat(builds(Path.of(d.releaseDir))).isEqualTo(2);
    assertThat(builds(releaseOf(commitA))).isEqualTo(1);

    String log = Files.readString(Path.of(d.logFile));
    assertThat(log)
        .containsPattern(
            "\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] \\[INFO\\] Starting update")
        .containsPattern("\\[STEP\\] Building application \\(duration: \\d+\\.\\ds\\)")
        .contains("[SUCCESS] Health check passed");
    assertThat(Path.of(d.logFile).getFileName().toString()).matches("deploy_\\d{8}_\\d{6}\\.log");
  }

  @Test
  @Order(3)
  void rollsBackWhenTheHealthCheckFails() throws Exception {
    // The admin keeps the env file elsewhere and links it in (relative link); it gets edited while
    // the bad commit deploys, so the rollback has to restore it from the backup.
    Path shared = root.resolve("shared/.env.local");
    adminEnvFile = work.resolve("admin/app.env");
    Files.createDirectories(adminEnvFile.getParent());
    Files.move(shared, adminEnvFile);
    Files.createSymbolicLink(shared, Path.of("../../admin/app.env"));
    // Healthy in the preview, unhealthy under PM2: only the post-switch check can catch it.
    String bad = repo.commitUnhealthyAfterSwitchEditingTheEnvFile();
    DeploymentOutcome outcome = deploy(bad, DeployOptions.NONE);
    rolledBack = outcome;

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.ROLLED_BACK);
    assertThat(servedCommit()).isEqualTo(commitB);
    assertThat(deployment(outcome.deploymentId()).status).isEqualTo(DeploymentStatus.ROLLED_BACK);
    Deployment rb = deployment(outcome.rollbackDeploymentId());
    assertThat(rb.type).isEqualTo(DeploymentType.ROLLBACK);
    assertThat(rb.status).isEqualTo(DeploymentStatus.SUCCESS);
    assertThat(rb.gitCommit).isEqualTo(commitB);
    assertThat(rb.rollbackOf).isEqualTo(outcome.deploymentId());
    assertThat(stepNames(rb.id))
        .doesNotContain(
            "Building application",
            "Installing dependencies",
            "Previewing the release before traffic");
    assertThat(stepStatuses(outcome.deploymentId()))
        .containsEntry("Previewing the release before traffic", StepStatus.COMPLETED);
    EnvironmentState env = environment();
    assertThat(env.failedCommit).isEqualTo(bad);
    assertThat(env.lastGoodCommit).isEqualTo(commitB);
    assertThat(env.actualCommit).isEqualTo(commitB);
    assertThat(env.condition("Stalled").orElseThrow().reason()).isEqualTo("RolledBack");
    // The failed release is gone; B's release is what serves.
    assertThat(releaseDirs())
        .noneMatch(p -> p.getFileName().toString().endsWith(bad.substring(0, 12)));
  }

  @Test
  @Order(4)
  void restoresASymlinkedEnvFileThroughTheLinkAndKeepsTheLink() throws Exception {
    Path shared = root.resolve("shared/.env.local");
    assertThat(stepStatuses(rolledBack.rollbackDeploymentId()))
        .containsEntry("Restoring env file from backup", StepStatus.COMPLETED);
    assertThat(Files.isSymbolicLink(shared)).isTrue();
    assertThat(Files.readSymbolicLink(shared)).isEqualTo(Path.of("../../admin/app.env"));
    assertThat(Files.readString(adminEnvFile))
        .contains("API_KEY=")
        .doesNotContain("EDITED_DURING_DEPLOY");
    assertThat(perms(adminEnvFile)).isEqualTo("rw-------");
    try (Stream<Path> s = Files.list(adminEnvFile.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("app.env");
    }
  }

  @Test
  @Order(5)
  void recordsTheAutomaticRollbackWithItsOwnTrigger() {
    Deployment rb = deployment(rolledBack.rollbackDeploymentId());
    assertThat(rb.trigger).isEqualTo(Trigger.AUTO_ROLLBACK);
    assertThat(deployment(rolledBack.deploymentId()).trigger).isEqualTo(Trigger.API);
    io.restassured.RestAssured.get("/deployments/" + rb.id)
        .then()
        .statusCode(200)
        .body("trigger", org.hamcrest.Matchers.equalTo("auto-rollback"))
        .body("rollbackOf", org.hamcrest.Matchers.equalTo((int) rolledBack.deploymentId()));
    List<String> triggers =
        io.restassured.RestAssured.get("/deployments?env=" + ENV + "&limit=100")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("findAll { it.id == " + rb.id + " }.trigger");
    assertThat(triggers).containsExactly("auto-rollback");
  }

  @Test
  @Order(6)
  void haltsWithoutRollbackWhenTheBuildFails() throws Exception {
    String broken = repo.commitBuildFailure();
    List<Path> before = releaseDirs();
    DeploymentOutcome outcome = deploy(broken, DeployOptions.NONE);

    assertThat(outcome.result()).isEqualTo(DeploymentOutcome.Result.HALTED);
    assertThat(outcome.errorCode()).isEqualTo("BUILD_FAILED");
    assertThat(servedCommit()).isEqualTo(commitB);
    assertThat(outcome.rollbackDeploymentId()).isNull();
    Deployment d = deployment(outcome.deploymentId());
    assertThat(d.status).isEqualTo(DeploymentStatus.FAILED);
    assertThat(d.errorStep).isEqualTo("Building application");
    // A broken commit is not blamed on the reused cache: it failed again from a clean one.
    assertThat(stepOutput(d.id, "Building application"))
        .contains("built again from a clean cache")
        .contains("fixture build failed on purpose");
    assertThat(QuarkusTransaction.requiringNew().call(() -> Deployment.count("rollbackOf", d.id)))
        .isZero();
    assertThat(releaseDirs()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  @Order(7)
  void rollsBackWhenTheAppCrashesOnStart() throws Exception {
    // Crashes only under PM2: it passes the preview, so the reload must catch it.
    String crash = repo.commitCrashAfterSwitch();
    DeploymentOutcome outcome = deploy(crash, DeployOptions.NONE);

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.ROLLED_BACK);
    assertThat(outcome.errorCode()).isIn("RELOAD_FAILED", "VERIFY_FAILED");
    assertThat(servedCommit()).isEqualTo(commitB);
    assertThat(instances()).hasSize(2).allMatch(Pm2Process::online);
  }

  @Test
  @Order(8)
  void haltsBeforeAnythingChangesWhenARequiredEnvKeyIsMissing() throws Exception {
    String next = repo.commitChange("C");
    List<Path> before = releaseDirs();
    Path current = Files.readSymbolicLink(root.resolve("current"));
    DeploySpec spec =
        TestSpecs.parse(
            ENV,
            TestSpecs.yaml(ENV, APP, repo.dir(), next, root, port, "")
                .replace("required: [DATABASE_URL]", "required: [DATABASE_URL, STRIPE_KEY]"));
    DeploymentOutcome outcome =
        runner.execute(runner.prepareUpdate(spec, next, DeployOptions.NONE, Trigger.API, "r"));

    assertThat(outcome.result()).isEqualTo(DeploymentOutcome.Result.HALTED);
    assertThat(outcome.errorCode()).isEqualTo("MISSING_ENV");
    assertThat(outcome.message()).contains("STRIPE_KEY").doesNotContain(CANARY);
    assertThat(stepStatuses(outcome.deploymentId()))
        .containsEntry("Validating environment and dependencies", StepStatus.FAILED)
        .hasSize(1);
    assertThat(releaseDirs()).containsExactlyInAnyOrderElementsOf(before);
    assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(current);
    assertThat(servedCommit()).isEqualTo(commitB);
  }

  @Test
  @Order(9)
  void installsDependenciesWhenTheLockfileChanges() throws Exception {
    repo.setDependency("7.0.0 || 6.0.0");
    String changed = repo.commit("dependency range changed");
    DeploymentOutcome outcome = deploy(changed, DeployOptions.NONE);

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    Map<String, StepStatus> steps = stepStatuses(outcome.deploymentId());
    assertThat(steps.get("Reusing node_modules")).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("Installing dependencies")).isEqualTo(StepStatus.COMPLETED);
    assertThat(steps.get("Reusing build cache")).isEqualTo(StepStatus.SKIPPED);
    assertThat(builds(Path.of(deployment(outcome.deploymentId()).releaseDir))).isEqualTo(1);
    commitB = changed;
  }

  @Test
  @Order(10)
  void keepsAnUnhealthyReleaseWithForceAndRecordsIt() throws Exception {
    String bad = repo.commitUnhealthyAfterSwitch();
    DeploymentOutcome outcome = deploy(bad, new DeployOptions(true, false, false));

    assertThat(outcome.result()).isEqualTo(DeploymentOutcome.Result.FORCED);
    assertThat(servedCommit()).isEqualTo(bad);
    Deployment d = deployment(outcome.deploymentId());
    assertThat(d.status).isEqualTo(DeploymentStatus.SUCCESS);
    assertThat(d.force).isTrue();
    assertThat(d.errorCode).isEqualTo("FORCED_HEALTH_CHECK");
    assertThat(environment().health.wire()).isEqualTo("Degraded");
  }

  @Test
  @Order(11)
  void skipsBackupAndHealthCheckWhenAsked() throws Exception {
    String next = repo.commitChange("D");
    DeploymentOutcome outcome = deploy(next, new DeployOptions(false, true, true));

    assertThat(outcome.result()).isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    Map<String, StepStatus> steps = stepStatuses(outcome.deploymentId());
    assertThat(steps.get("Creating backup")).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("Running health checks")).isEqualTo(StepStatus.SKIPPED);
    assertThat(deployment(outcome.deploymentId()).backupPath).isNull();
    assertThat(servedCommit()).isEqualTo(next);
    // A deploy whose health was not checked is applied, but not "good".
    assertThat(environment().lastAppliedCommit).isEqualTo(next);
    assertThat(environment().lastGoodCommit).isNotEqualTo(next);
  }

  @Test
  @Order(12)
  void writesBackupsInTheSeedLayoutWithPrivateModes() throws Exception {
    String next = repo.commitChange("E");
    DeploymentOutcome outcome = deploy(next, DeployOptions.NONE);
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);

    Path backup = Path.of(deployment(outcome.deploymentId()).backupPath);
    assertThat(backup.getFileName().toString()).matches("backup_\\d{8}_\\d{6}(-\\d+)?");
    assertThat(perms(root.resolve("backups"))).isEqualTo("rwx------");
    assertThat(perms(backup)).isEqualTo("rwx------");
    assertThat(perms(backup.resolve(".env.local"))).isEqualTo("rw-------");
    assertThat(backup.resolve("package-lock.json")).exists();
    var meta =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(backup.resolve("metadata.json").toFile());
    assertThat(meta.has("timestamp")).isTrue();
    assertThat(meta.get("gitCommit").asText()).hasSize(40);
    assertThat(meta.get("version").asText()).isEqualTo("1.0.0");
    assertThat(meta.get("nodeVersion").asText()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(meta.get("npmVersion").asText()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(Files.readString(backup.resolve("release")).strip()).contains("releases/");
    // Retention: keep 3 (spec), never the current or last good commit's backup.
    assertThat(new Backups(root).list()).hasSizeLessThanOrEqualTo(4);
  }

  @Test
  @Order(13)
  void neverWritesTheEnvFileSecretsToLogsTheDatabaseOrTheApi() throws Exception {
    try (Stream<Path> files = Files.walk(root.resolve("logs"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(CANARY);
      }
    }
    String dump =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    String.valueOf(
                        Deployment.getEntityManager()
                            .createNativeQuery(
                                "select coalesce(string_agg(t::text, '\n'), '') from ("
                                    + " select d::text as t from deployment d"
                                    + " union all select s::text from deployment_step s"
                                    + " union all select h::text from health_check_result h"
                                    + " union all select e::text from environment e) x")
                            .getSingleResult()));
    assertThat(dump).contains("env at build time").doesNotContain(CANARY);
    List<Long> ids =
        QuarkusTransaction.requiringNew()
            .call(() -> Deployment.<Deployment>listAll().stream().map(d -> d.id).toList());
    for (long id : ids) {
      String body =
          io.restassured.RestAssured.get("/deployments/" + id)
              .then()
              .statusCode(200)
              .extract()
              .asString();
      assertThat(body).doesNotContain(CANARY);
    }
    assertThat(io.restassured.RestAssured.get("/status").asString()).doesNotContain(CANARY);
  }

  @Test
  @Order(14)
  void buildsAgainFromACleanCacheWhenTheReusedCacheBreaksTheBuild() throws Exception {
    Path serving = root.resolve("current").toRealPath();
    Files.writeString(serving.resolve(".next/cache/DAMAGED"), "yes\n");
    String next = repo.commitChange("F");
    DeploymentOutcome outcome = deploy(next, DeployOptions.NONE);

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    long id = outcome.deploymentId();
    assertThat(stepStatuses(id)).containsEntry("Reusing build cache", StepStatus.COMPLETED);
    assertThat(stepOutput(id, "Building application"))
        .contains("build with the reused cache failed")
        .contains("built again from a clean cache");
    Path release = Path.of(deployment(id).releaseDir);
    assertThat(release.resolve(".next/cache/DAMAGED")).doesNotExist();
    assertThat(builds(release)).isEqualTo(1);
    assertThat(serving.resolve(".next/cache/DAMAGED")).exists();
    assertThat(servedCommit()).isEqualTo(next);
  }

  @Test
  @Order(15)
  void buildsColdWhenTheSpecAsksForACleanCache() throws Exception {
    String next = repo.commitChange("G");
    DeploySpec spec =
        TestSpecs.parse(
            ENV,
            TestSpecs.yaml(ENV, APP, repo.dir(), next, root, port, "")
                .replace("    timeout: 5m\n", "    timeout: 5m\n    cache: clean\n"));
    assertThat(spec.spec().build().cache()).isEqualTo(DeploySpec.Build.Cache.CLEAN);
    DeploymentOutcome outcome =
        runner.execute(runner.prepareUpdate(spec, next, DeployOptions.NONE, Trigger.API, "r"));

    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    assertThat(stepStatuses(outcome.deploymentId()))
        .containsEntry("Reusing build cache", StepStatus.SKIPPED);
    assertThat(builds(Path.of(deployment(outcome.deploymentId()).releaseDir))).isEqualTo(1);
  }

  @Test
  @Order(16)
  void haltsACommitWhoseHealthFailsInThePreviewWithoutAnyUserSeeingIt() throws Exception {
    String serving = servedCommit();
    Set<Long> pidsBefore = pids();
    String bad = repo.commitUnhealthy();
    NextZeroDowntimeTest.Load.Result load;
    DeploymentOutcome outcome;
    // The load hits the path the bad commit breaks, on the serving port.
    try (NextZeroDowntimeTest.Load l =
        NextZeroDowntimeTest.Load.start(port, LOAD_RATE, Duration.ofSeconds(300))) {
      outcome = deploy(bad, DeployOptions.NONE);
      load = l.stop();
    }

    assertThat(outcome.result()).as(outcome.message()).isEqualTo(DeploymentOutcome.Result.HALTED);
    assertThat(outcome.errorCode()).isEqualTo("PREVIEW_FAILED");
    assertThat(outcome.rollbackDeploymentId()).isNull();
    assertThat(load.failures()).as("failed requests").isEmpty();
    assertThat(load.ok()).isEqualTo(load.sent());
    assertThat(load.sent() / load.seconds()).as("requests per second").isGreaterThan(100);
    assertThat(load.commits()).containsOnlyKeys(serving);
    // The serving workers were never restarted, and never switched.
    assertThat(pids()).isEqualTo(pidsBefore);
    assertThat(servedCommit()).isEqualTo(serving);
    Map<String, StepStatus> steps = stepStatuses(outcome.deploymentId());
    assertThat(steps)
        .containsEntry("Previewing the release before traffic", StepStatus.FAILED)
        .doesNotContainKeys("Switching current release", "Reloading PM2");
    assertThat(stepOutput(outcome.deploymentId(), "Previewing the release before traffic"))
        .contains("failed: http")
        .contains("GET /api/health answered 500")
        .doesNotContain(CANARY);
    EnvironmentState env = environment();
    assertThat(env.failedCommit).isEqualTo(bad);
    assertThat(env.actualCommit).isEqualTo(serving);
    var stalled = env.condition("Stalled").orElseThrow();
    assertThat(stalled.status()).isTrue();
    assertThat(stalled.reason()).isEqualTo("PreviewFailed");
    assertThat(stalled.message()).contains(bad.substring(0, 12)).contains("answered 500");
    // Kept for inspection, but never a release to activate; the preview is gone with its step.
    Path kept = releaseOf(bad);
    assertThat(kept.resolve("server.js")).exists();
    assertThat(kept.resolve(Releases.BUILT_MARKER)).doesNotExist();
    assertThat(new Releases(root).forCommit(bad)).isEmpty();
    assertThat(PreviewProcess.pidFile(root)).doesNotExist();
    assertThat(processesIn(kept)).isEmpty();
    System.out.printf(
        "preview gate: %d requests in %.1f s (%.0f/s), %d failed, deployment %s%n",
        load.sent(),
        load.seconds(),
        load.sent() / load.seconds(),
        load.sent() - load.ok(),
        outcome.errorCode());
  }

  @Test
  @Order(17)
  void haltsACommitThatCrashesInThePreviewWithItsOutput() throws Exception {
    Set<Long> pidsBefore = pids();
    String crash = repo.commitCrash();
    DeploymentOutcome outcome = deploy(crash, DeployOptions.NONE);

    assertThat(outcome.result()).as(outcome.message()).isEqualTo(DeploymentOutcome.Result.HALTED);
    assertThat(outcome.errorCode()).isEqualTo("PREVIEW_FAILED");
    assertThat(outcome.message()).contains("exited with code 1 before it listened");
    assertThat(stepOutput(outcome.deploymentId(), "Previewing the release before traffic"))
        .contains("crashing on purpose");
    assertThat(pids()).isEqualTo(pidsBefore);
  }

  @Test
  @Order(18)
  void deploysTheNextGoodCommitAfterAPreviewFailureAndSkipsThePreviewWhenTheSpecSaysSo()
      throws Exception {
    String next = repo.commitChange("H");
    DeploymentOutcome outcome = deploy(next, DeployOptions.NONE);
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    assertThat(servedCommit()).isEqualTo(next);
    assertThat(stepOutput(outcome.deploymentId(), "Previewing the release before traffic"))
        .contains("preview healthy on 127.0.0.1:");

    String off = repo.commitChange("I");
    DeploySpec spec =
        TestSpecs.parse(
            ENV,
            TestSpecs.yaml(ENV, APP, repo.dir(), off, root, port, "")
                .replace(
                    "    maxCpuPercent: 100\n", "    maxCpuPercent: 100\n    preview: false\n"));
    assertThat(spec.spec().healthCheck().preview()).isFalse();
    DeploymentOutcome skipped =
        runner.execute(runner.prepareUpdate(spec, off, DeployOptions.NONE, Trigger.API, "r"));
    assertThat(skipped.result())
        .as(skipped.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    assertThat(stepStatuses(skipped.deploymentId()))
        .containsEntry("Previewing the release before traffic", StepStatus.SKIPPED);
    assertThat(servedCommit()).isEqualTo(off);
  }

  @Test
  @Order(19)
  void haltsBeforeTheSwitchWhenTheNextPreflightFindsServerActionsWithoutAKey() throws Exception {
    String actions = repo.commitServerActions();
    String serving = servedCommit();
    DeploymentOutcome outcome = deploy(actions, DeployOptions.NONE);

    assertThat(outcome.result()).isEqualTo(DeploymentOutcome.Result.HALTED);
    assertThat(outcome.errorCode()).isEqualTo("PREFLIGHT_FAILED");
    assertThat(FailureCode.PREFLIGHT_FAILED.reason()).isEqualTo("PreflightFailed");
    assertThat(servedCommit()).isEqualTo(serving);
    Deployment d = deployment(outcome.deploymentId());
    assertThat(d.errorStep).isEqualTo("Checking the Next.js build");
    assertThat(d.errorMessage)
        .contains("SERVER_ACTIONS_KEY")
        .contains("NEXT_SERVER_ACTIONS_ENCRYPTION_KEY is not set in")
        .contains("openssl rand -base64 32");
    assertThat(stepStatuses(d.id)).doesNotContainKey("Switching current release");
  }

  // --- helpers

  /** Requests per second sent at the serving release while a bad commit deploys. */
  static final int LOAD_RATE = 120;

  Set<Long> pids() {
    return instances().stream().map(Pm2Process::pid).collect(java.util.stream.Collectors.toSet());
  }

  /** Processes whose working directory is {@code release}: a preview left running. */
  static List<Long> processesIn(Path release) throws IOException {
    Path real = release.toRealPath();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(
              p -> {
                try {
                  return Files.readSymbolicLink(p.resolve("cwd")).equals(real);
                } catch (IOException | RuntimeException e) {
                  return false;
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .toList();
    }
  }

  static final java.util.regex.Pattern PM2_DAEMON_TITLE =
      java.util.regex.Pattern.compile("^PM2 v\\S+: God Daemon \\((.+?)\\)?$");

  /** Where PM2 keeps its daemon when no PM2_HOME is set: ~/.pm2, by $HOME and by Java. */
  static Set<String> usersPm2Homes() {
    Set<String> homes = new java.util.HashSet<>();
    homes.add(Path.of(System.getProperty("user.home"), ".pm2").toString());
    String home = System.getenv("HOME");
    if (home != null && !home.isBlank()) {
      homes.add(Path.of(home, ".pm2").toString());
    }
    return homes;
  }

  /** The pids of the running PM2 daemons whose PM2_HOME is one of {@code homes}. */
  static Set<Long> pm2DaemonsOf(Set<String> homes) throws IOException {
    Set<Long> pids = new java.util.HashSet<>();
    pm2DaemonHomes()
        .forEach(
            (pid, home) -> {
              if (homes.contains(home)) {
                pids.add(pid);
              }
            });
    return pids;
  }

  /** The PM2_HOME of every running PM2 daemon by pid, from its process title. */
  static Map<Long, String> pm2DaemonHomes() throws IOException {
    Map<Long, String> homes = new java.util.HashMap<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String title = Files.readString(proc.resolve("cmdline")).replace('\0', ' ').strip();
          var m = PM2_DAEMON_TITLE.matcher(title);
          if (m.matches()) {
            // Linux cuts a process title to the length of the original command line, so a long
            // PM2_HOME is cut off in the title; the daemon's environment has it whole.
            String home = environ(proc).getOrDefault("PM2_HOME", m.group(1));
            homes.put(Long.parseLong(proc.getFileName().toString()), home);
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    }
    return homes;
  }

  private static Map<String, String> environ(Path proc) {
    Map<String, String> env = new java.util.HashMap<>();
    try {
      for (String entry : Files.readString(proc.resolve("environ")).split("\0")) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
          env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      // another user's process, or it ended meanwhile: the title is all there is
    }
    return env;
  }

  /** Builds the fixture's stand-in build cache in a release has seen. */
  static int builds(Path release) throws IOException {
    return Integer.parseInt(Files.readString(release.resolve(".next/cache/builds")).strip());
  }

  static Path releaseOf(String commit) throws IOException {
    return releaseDirs().stream()
        .filter(p -> p.getFileName().toString().endsWith(commit.substring(0, 12)))
        .findFirst()
        .orElseThrow();
  }

  static String stepOutput(long id, String name) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                DeploymentStepRecord.findByDeployment(id).stream()
                    .filter(s -> s.name.equals(name))
                    .map(s -> s.output + "\n" + s.error)
                    .findFirst()
                    .orElseThrow());
  }

  String servedCommit() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    return json.get("commit").asText();
  }

  List<Pm2Process> instances() {
    return Pm2Process.byName(tools.pm2().jlist(), APP);
  }

  static Deployment deployment(long id) {
    return QuarkusTransaction.requiringNew().call(() -> Deployment.findById(id));
  }

  static EnvironmentState environment() {
    return QuarkusTransaction.requiringNew()
        .call(() -> EnvironmentState.findByName(ENV, TestRows.node()).orElseThrow());
  }

  static List<String> stepNames(long id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> DeploymentStepRecord.findByDeployment(id).stream().map(s -> s.name).toList());
  }

  static Map<String, StepStatus> stepStatuses(long id) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Map<String, StepStatus> m = new java.util.LinkedHashMap<>();
              DeploymentStepRecord.findByDeployment(id).forEach(s -> m.put(s.name, s.status));
              return m;
            });
  }

  static List<Path> releaseDirs() throws IOException {
    try (Stream<Path> s = Files.list(root.resolve("releases"))) {
      return s.toList();
    }
  }

  static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
