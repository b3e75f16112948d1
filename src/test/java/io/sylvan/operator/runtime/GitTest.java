package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  private final CommandRunner runner = CommandRunner.local();
  private final Git git = new Git(runner);
  private Path origin;
  private Path mirror;

  @BeforeEach
  void createOrigin() throws Exception {
    origin = tmp.resolve("origin");
    mirror = tmp.resolve("mirrors/app.git");
    Files.createDirectories(origin);
    sh(origin, "git", "init", "--quiet", "--initial-branch=main");
    Files.writeString(origin.resolve("server.js"), "console.log('v1')\n");
    sh(origin, "git", "add", ".");
    commit("v1");
  }

  @Test
  void mirrorsARepositoryAndFetchesNewCommits() throws Exception {
    String first = git.resolve(origin, "HEAD");
    git.ensureMirror(origin.toString(), mirror, TIMEOUT);
    assertThat(git.commitExists(mirror, first)).isTrue();

    Files.writeString(origin.resolve("server.js"), "console.log('v2')\n");
    String second = commit("v2");
    assertThat(git.commitExists(mirror, second)).isFalse();

    git.ensureMirror(origin.toString(), mirror, TIMEOUT);
    assertThat(git.commitExists(mirror, second)).isTrue();
    assertThat(git.resolve(mirror, "main")).isEqualTo(second);
    assertThat(git.resolve(mirror, second.substring(0, 10))).isEqualTo(second);
  }

  @Test
  void commitExistsIsFalseForUnknownShaAndRejectsOptions() {
    git.ensureMirror(origin.toString(), mirror, TIMEOUT);
    assertThat(git.commitExists(mirror, "0123456789abcdef0123456789abcdef01234567")).isFalse();
    assertThatThrownBy(() -> git.commitExists(mirror, "--output=/tmp/x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void checksOutAnExactCommitWithRevisionFile() throws Exception {
    String first = git.resolve(origin, "HEAD");
    Files.writeString(origin.resolve("server.js"), "console.log('v2')\n");
    commit("v2");
    git.ensureMirror(origin.toString(), mirror, TIMEOUT);

    Path release = tmp.resolve("releases/20260101000000_" + first.substring(0, 12));
    git.checkout(mirror, first, release, TIMEOUT);

    assertThat(release.resolve("server.js")).hasContent("console.log('v1')");
    assertThat(release.resolve(Git.REVISION_FILE)).hasContent(first);
    assertThat(git.resolve(release, "HEAD")).isEqualTo(first);
    assertThat(sh(release, "git", "status", "--porcelain", "--branch"))
        .contains("HEAD (no branch)");
    try (var siblings = Files.list(release.getParent())) {
      assertThat(siblings).containsExactly(release);
    }
    assertThatThrownBy(() -> git.checkout(mirror, first, release, TIMEOUT))
        .isInstanceOf(GitException.class)
        .hasMessageContaining("already exists");

    Path unknown = tmp.resolve("releases/unknown");
    assertThatThrownBy(
            () ->
                git.checkout(mirror, "0123456789abcdef0123456789abcdef01234567", unknown, TIMEOUT))
        .isInstanceOf(GitException.class);
    try (var siblings = Files.list(release.getParent())) {
      assertThat(siblings).containsExactly(release);
    }
  }

  @Test
  void releaseSurvivesTheMirrorBeingDeleted() throws Exception {
    String first = git.resolve(origin, "HEAD");
    git.ensureMirror(origin.toString(), mirror, TIMEOUT);
    Path release = tmp.resolve("release");
    git.checkout(mirror, first, release, TIMEOUT);

    Git.deleteRecursively(mirror);

    assertThat(sh(release, "git", "fsck", "--no-progress")).doesNotContain("missing");
    assertThat(git.resolve(release, "HEAD")).isEqualTo(first);
  }

  @Test
  void failedMirrorLeavesNothingAndRedactsCredentials() {
    String url = "https://deploy:tok3n-abcdef@127.0.0.1:1/sylvan/app.git";
    assertThatThrownBy(() -> git.ensureMirror(url, mirror, TIMEOUT))
        .isInstanceOf(GitException.class)
        .hasMessageContaining("https://***@127.0.0.1:1/sylvan/app.git")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("tok3n-abcdef"));
    assertThat(mirror).doesNotExist();
    assertThat(mirror.getParent()).isEmptyDirectory();
  }

  @Test
  void redactsUserInfoInUrls() {
    assertThat(Git.redactUrls("fatal: https://u:t@h.example/x and ssh://git@h/y"))
        .isEqualTo("fatal: https://***@h.example/x and ssh://***@h/y");
  }

  @Test
  void resolveFailsOutsideARepositoryInsteadOfUsingAnEnclosingOne() throws Exception {
    // A release directory whose .git went missing must not report the commit of a parent repo.
    Path nested = Files.createDirectories(origin.resolve("releases/broken"));
    assertThatThrownBy(() -> git.resolve(nested, "HEAD")).isInstanceOf(GitException.class);
  }

  @Test
  void reportsItsVersion() {
    assertThat(git.version()).matches("\\d+\\.\\d+.*");
  }

  private String commit(String message) {
    sh(origin, "git", "add", ".");
    sh(
        origin,
        "git",
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "--quiet",
        "-m",
        message);
    return git.resolve(origin, "HEAD");
  }

  private String sh(Path dir, String... argv) {
    CommandResult result = runner.run(Command.builder(argv).workingDir(dir).build());
    assertThat(result.ok()).as(result.describe()).isTrue();
    return result.output();
  }
}
