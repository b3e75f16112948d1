package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed-compatible scripts in {@code scripts/}, run as real bash. They reach a recorder instead
 * of sylvanctl (through {@code SYLVANCTL}, which the scripts honour): what is checked here is the
 * wrappers' mapping of the seed's flags to sylvanctl calls; sylvanctl itself, and the API calls
 * those become, are tested against a running operator in {@link SylvanCtlOperatorTest}.
 */
class SeedScriptsTest {

  @TempDir Path dir;
  private Path calls;
  private Path recorder;

  /** Exit code and stderr of one script run; the recorded sylvanctl argv is in {@link #calls}. */
  record Run(int exitCode, String stderr) {}

  @BeforeEach
  void recorder() throws IOException {
    calls = dir.resolve("calls.txt");
    recorder = dir.resolve("sylvanctl");
    // Exits with RECORDER_EXIT so health-check.sh's exit code mapping can be checked too.
    Files.writeString(
        recorder,
        "#!/usr/bin/env bash\n"
            + "echo \"$*\" >> \""
            + calls
            + "\"\n"
            + "exit \"${RECORDER_EXIT:-0}\"\n");
    Files.setPosixFilePermissions(recorder, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void deployUpdatePassesTheSeedFlagsToDeployProduction() throws Exception {
    assertThat(run(0, "deploy-update.sh", "--skip-backup", "--force").exitCode()).isZero();
    assertThat(run(0, "deploy-update.sh").exitCode()).isZero();
    assertThat(run(0, "deploy-update.sh", "--skip-health-check", "--env", "test").exitCode())
        .isZero();

    assertThat(recorded())
        .containsExactly(
            "deploy production --skip-backup --force",
            "deploy production",
            "deploy test --skip-health-check");
  }

  @Test
  void deployProductionAndDeployTestKeepTheSeedsMeaning() throws Exception {
    assertThat(run(0, "deploy-production.sh").exitCode()).isZero();
    assertThat(run(0, "deploy-test.sh").exitCode()).isZero();

    assertThat(recorded()).containsExactly("deploy production", "deploy test --skip-backup");
  }

  @Test
  void rollbackMapsEnvAndTo() throws Exception {
    run(0, "rollback.sh", "--to", "abc");
    run(0, "rollback.sh");
    run(0, "rollback.sh", "--env", "test", "--to", "9fceb02");

    assertThat(recorded())
        .containsExactly(
            "rollback production --to abc", "rollback production", "rollback test --to 9fceb02");
  }

  @Test
  void healthCheckExitsLikeTheSeed0WhenHealthyAnd1Otherwise() throws Exception {
    assertThat(run(0, "health-check.sh").exitCode()).isZero();
    assertThat(run(1, "health-check.sh", "--env", "test").exitCode()).isEqualTo(1);
    // sylvanctl's "operator unreachable" (2) is "not healthy" for the seed's callers.
    assertThat(run(2, "health-check.sh").exitCode()).isEqualTo(1);

    assertThat(recorded()).containsExactly("health production", "health test", "health production");
  }

  @Test
  void sylvanctlFailuresReachTheCaller() throws Exception {
    assertThat(run(3, "deploy-update.sh").exitCode()).isEqualTo(3);
    assertThat(run(1, "rollback.sh").exitCode()).isEqualTo(1);
  }

  @Test
  void unknownFlagsAreUsageErrorsWithExitCode2AndNoCall() throws Exception {
    for (List<String> bad :
        List.of(
            List.of("deploy-update.sh", "--skip-backups"),
            List.of("deploy-update.sh", "--to", "abc"),
            List.of("deploy-production.sh", "--force"),
            List.of("deploy-test.sh", "extra"),
            List.of("health-check.sh", "--verbose"),
            List.of("rollback.sh", "--to"),
            List.of("rollback.sh", "--env", "--force"))) {
      String[] args = bad.subList(1, bad.size()).toArray(String[]::new);
      Run result = run(0, bad.get(0), args);
      assertThat(result.exitCode()).as(bad.toString()).isEqualTo(2);
      assertThat(result.stderr()).as(bad.toString()).contains("Usage: " + bad.get(0));
    }
    assertThat(calls).doesNotExist();
  }

  private Run run(int recorderExit, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", "scripts/" + script));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SYLVANCTL", recorder.toString());
    pb.environment().put("RECORDER_EXIT", Integer.toString(recorderExit));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Path stderr = dir.resolve("stderr.txt");
    pb.redirectError(stderr.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(script + " finished").isTrue();
    return new Run(p.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
  }

  private List<String> recorded() throws IOException {
    return Files.readAllLines(calls);
  }
}
