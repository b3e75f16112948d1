package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.time.Duration;

/** git in a test's own repository (a spec repository, say); a failure fails the test. */
public final class TestGit {

  private TestGit() {}

  /** A new repository in {@code dir} on branch main, with a committer set. */
  public static void init(Path dir) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    run(dir, "init", "-q", "-b", "main");
    run(dir, "config", "user.email", "tests@sylvan.invalid");
    run(dir, "config", "user.name", "Sylvan Tests");
  }

  public static CommandResult run(Path dir, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "git";
    System.arraycopy(args, 0, argv, 1, args.length);
    CommandResult r =
        CommandRunner.local()
            .run(Command.builder(argv).workingDir(dir).timeout(Duration.ofSeconds(30)).build());
    if (!r.ok()) {
      throw new IllegalStateException(r.describe());
    }
    return r;
  }

  /** Commits everything in {@code dir} (an empty commit if nothing changed); its sha. */
  public static String commitAll(Path dir, String message) {
    run(dir, "add", "-A");
    run(dir, "commit", "-q", "--allow-empty", "-m", message);
    return run(dir, "rev-parse", "HEAD").output().strip();
  }
}
