package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Command;
import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;

/** Commands the fixture repositories of the tests run: git and npm in the repository's folder. */
public final class RepoCommands {

  private RepoCommands() {}

  /** {@code git init} with a test identity. */
  public static void init(Path dir) {
    run(dir, "git", "init", "-q", "-b", "main");
    run(dir, "git", "config", "user.email", "tests@sylvan.invalid");
    run(dir, "git", "config", "user.name", "Sylvan Tests");
  }

  /** Commits everything (removals included) and returns the full sha. */
  public static String commit(Path dir, String message) {
    run(dir, "git", "add", "-A");
    run(dir, "git", "commit", "-q", "--allow-empty", "-m", message);
    return run(dir, "git", "rev-parse", "HEAD").output().strip();
  }

  /** Runs {@code argv} in {@code dir}; fails the test with its output when it fails. */
  public static CommandResult run(Path dir, String... argv) {
    CommandResult r =
        CommandRunner.local()
            .run(Command.builder(argv).workingDir(dir).timeout(Duration.ofMinutes(3)).build());
    if (!r.ok()) {
      throw new IllegalStateException(r.describe() + "\n" + r.tail(2000));
    }
    return r;
  }
}
