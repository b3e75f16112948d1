package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {

  private final CommandRunner runner = CommandRunner.local();

  @Test
  void reportsExitCodesAndCapturesStdoutAndStderr() {
    CommandResult ok = runner.run(Command.builder("sh", "-c", "echo out; echo err >&2").build());
    assertThat(ok.ok()).isTrue();
    assertThat(ok.exitCode()).isZero();
    assertThat(ok.output()).contains("out\n").contains("err\n");
    assertThat(ok.timedOut()).isFalse();

    CommandResult failed = runner.run(Command.builder("sh", "-c", "echo nope; exit 3").build());
    assertThat(failed.ok()).isFalse();
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.describe()).contains("exited with 3").contains("nope");
  }

  @Test
  void killsTheWholeTreeOnTimeout() {
    List<Long> pids = new CopyOnWriteArrayList<>();
    CommandResult result =
        runner.run(
            Command.builder("sh", "-c", "sleep 100 & echo $!; sleep 100")
                .timeout(Duration.ofMillis(700))
                .onLine(line -> pids.add(Long.parseLong(line.strip())))
                .build());

    assertThat(result.timedOut()).isTrue();
    assertThat(result.ok()).isFalse();
    assertThat(result.duration()).isLessThan(Duration.ofSeconds(10));
    assertThat(pids).hasSize(1);
    ProcessHandle.of(pids.get(0))
        .ifPresent(
            background -> assertThat(background.onExit()).succeedsWithin(Duration.ofSeconds(5)));
  }

  @Test
  void unknownExecutableGivesACommandExceptionNamingIt() {
    assertThatThrownBy(() -> runner.run(Command.builder("sylvan-no-such-tool", "x").build()))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("sylvan-no-such-tool")
        .hasMessageContaining("not found on PATH");
  }

  @Test
  void missingWorkingDirectoryIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("gone");
    assertThatThrownBy(() -> runner.run(Command.builder("true").workingDir(missing).build()))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void redactsSecretsInOutputListenerAndCommandLine() {
    List<String> lines = new CopyOnWriteArrayList<>();
    Command command =
        Command.builder("sh", "-c", "echo token=s3cr3t-value; echo pw:hunter2 >&2", "s3cr3t-value")
            .secret("s3cr3t-value")
            .secret("hunter2")
            .secret("ab") // too short to redact
            .onLine(lines::add)
            .build();

    CommandResult result = runner.run(command);

    assertThat(result.output()).doesNotContain("s3cr3t-value").doesNotContain("hunter2");
    assertThat(result.output()).contains("token=***").contains("pw:***");
    assertThat(lines).containsExactlyInAnyOrder("token=***", "pw:***");
    assertThat(command.commandLine()).doesNotContain("s3cr3t-value").endsWith(" '***'");
    assertThat(result.commandLine()).isEqualTo(command.commandLine());
  }

  @Test
  void argumentsPassThroughLiterally(@TempDir Path dir) {
    String[] tricky = {"two words", "it's \"quoted\"", "$(touch pwned)", "`id`", "*", "a;b|c"};
    CommandResult result =
        runner.run(Command.builder("printf", "[%s]\\n").args(tricky).workingDir(dir).build());

    assertThat(result.output())
        .isEqualTo("[two words]\n[it's \"quoted\"]\n[$(touch pwned)]\n[`id`]\n[*]\n[a;b|c]\n");
    assertThat(dir.resolve("pwned")).doesNotExist();
    assertThat(Command.builder("echo", "it's", "$(x)", "plain").build().commandLine())
        .isEqualTo("echo 'it'\\''s' '$(x)' plain");
  }

  @Test
  void environmentIsAddedAndRemoved() {
    CommandResult result =
        runner.run(
            Command.builder("sh", "-c", "echo \"A=$SYLVAN_A H=${HOME:-unset}\"")
                .env("SYLVAN_A", "one")
                .removeEnv("HOME")
                .build());
    assertThat(result.output()).isEqualTo("A=one H=unset\n");
  }

  @Test
  void chattyProcessDoesNotBlockAndKeepsTheTail() {
    // About 3 MB of output: more than a pipe buffer and more than the kept tail.
    CommandResult result =
        runner.run(
            Command.builder(
                    "sh", "-c", "yes 0123456789012345678901234567890 | head -n 100000; echo END")
                .timeout(Duration.ofSeconds(30))
                .build());
    assertThat(result.ok()).isTrue();
    assertThat(result.output().length()).isLessThan(ProcessCommandRunner.MAX_OUTPUT_CHARS + 100);
    assertThat(result.output()).startsWith("[... ").endsWith("END\n");
    assertThat(result.tail(4)).isEqualTo("END\n");
  }

  @Test
  void readsStdinAsEndOfFile() {
    CommandResult result =
        runner.run(Command.builder("cat").timeout(Duration.ofSeconds(5)).build());
    assertThat(result.timedOut()).isFalse();
    assertThat(result.ok()).isTrue();
  }
}
