package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sylvan.operator.runtime.IdlePriority;
import io.sylvan.operator.runtime.ProcessCommandRunner;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DeploymentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build and the migration, run by their real steps with the real command runner: each command
 * is {@code cat /proc/self/stat}, so its output says at which scheduling policy and nice value the
 * command itself ran.
 */
class StepPriorityTest {

  static final int SCHED_OTHER = 0;

  @TempDir Path work;

  DeploymentContext context(boolean idlePriority) throws IOException {
    return context(idlePriority, "cat /proc/self/stat", "5m");
  }

  DeploymentContext context(boolean idlePriority, String buildCommand, String buildTimeout)
      throws IOException {
    Path root = work.resolve("target");
    Path release = Files.createDirectories(root.resolve("releases/r"));
    String commit = "a".repeat(40);
    String yaml =
        TestSpecs.yaml(
                "prio",
                "app",
                work,
                commit,
                root,
                3000,
                """
                  migrate:
                    command: cat /proc/self/stat
                    backupCommand: cat /proc/self/stat
                    timeout: 30s
                """)
            .replace("command: npm run build", "command: " + buildCommand)
            .replace("timeout: 5m", "timeout: " + buildTimeout);
    return new DeploymentContext(
        TestSpecs.parse("prio", yaml),
        commit,
        DeploymentType.UPDATE,
        DeployOptions.NONE,
        new Toolbox(
            new ProcessCommandRunner(),
            null,
            null,
            null,
            work,
            null,
            null,
            Redactor.PATTERNS_ONLY,
            null,
            idlePriority,
            EnvSecrets.NONE),
        new DeploymentLog(root.resolve("logs/deploy.log"), "prio"),
        1,
        release,
        Optional.empty());
  }

  @Test
  void buildsAndMigratesAtNice10UnderTheNormalPolicySoABusyHostStillGivesThemCpu()
      throws Exception {
    DeploymentContext ctx = context(true);
    String build = new BuildStep().run(ctx);
    String migrate = new MigrateStep().run(ctx);

    int ours = policyAndNice(Files.readString(Path.of("/proc/self/stat")))[1];
    for (String out : new String[] {build, migrate, migrate.lines().skip(1).findFirst().get()}) {
      // nice(1) adds to the caller's niceness, capped at 19.
      assertThat(policyAndNice(out))
          .as("policy and nice of: " + out)
          .containsExactly(SCHED_OTHER, Math.min(19, ours + IdlePriority.NICE));
    }
  }

  @Test
  void runsStepCommandsAtTheOperatorsOwnPriorityWhenTheSwitchIsOff() throws Exception {
    DeploymentContext ctx = context(false);
    int[] ours = policyAndNice(Files.readString(Path.of("/proc/self/stat")));

    int[] build = policyAndNice(new BuildStep().run(ctx));
    int[] migrate = policyAndNice(new MigrateStep().run(ctx));

    assertThat(build).containsExactly(SCHED_OTHER, ours[1]);
    assertThat(migrate).containsExactly(SCHED_OTHER, ours[1]);
  }

  @Test
  void aTimedOutBuildAtIdlePriorityTakesItsWholeProcessTreeWithIt() throws Exception {
    // No session of its own: the runner kills the command's descendants, the sleeper included.
    DeploymentContext ctx = context(true, "sh -c 'sleep 300 & echo $! > sleeper.pid; wait'", "2s");

    assertThatThrownBy(() -> new BuildStep().run(ctx))
        .isInstanceOfSatisfying(
            StepFailure.class, f -> assertThat(f.code()).isEqualTo(FailureCode.BUILD_TIMEOUT));

    long sleeper =
        Long.parseLong(Files.readString(ctx.releaseDir().resolve("sleeper.pid")).strip());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(sleeper).map(h -> !h.isAlive()).orElse(true));
  }

  /** Fields 41 (policy) and 19 (nice) of the first {@code /proc/<pid>/stat} line in {@code out}. */
  static int[] policyAndNice(String out) {
    String stat = out.lines().filter(l -> l.contains(") ")).findFirst().orElseThrow();
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new int[] {Integer.parseInt(f[38]), Integer.parseInt(f[16])};
  }
}
