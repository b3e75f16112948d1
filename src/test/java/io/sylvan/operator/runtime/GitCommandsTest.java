package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every git command line as the argv it is: nothing here runs git. */
class GitCommandsTest {

  private final GitCommands git = new GitCommands("/usr/bin/git");
  private final Path mirror = Path.of("/data/mirrors/ab.git");
  private final String sha = "0123456789abcdef0123456789abcdef01234567";

  @Test
  void mirrorCommandsNameTheMirrorAsGitDirAndKeepTheUrlAfterTheDoubleDash() {
    assertThat(git.cloneMirror("https://u:t@host/app.git", mirror))
        .containsExactly(
            "/usr/bin/git",
            "clone",
            "--mirror",
            "--",
            "https://u:t@host/app.git",
            mirror.toString());
    assertThat(git.setMirrorOrigin(mirror, "https://host/app.git"))
        .containsExactly(
            "/usr/bin/git",
            "--git-dir=/data/mirrors/ab.git",
            "remote",
            "set-url",
            "origin",
            "https://host/app.git");
    assertThat(git.updateMirror(mirror))
        .containsExactly(
            "/usr/bin/git", "--git-dir=/data/mirrors/ab.git", "remote", "update", "--prune");
  }

  @Test
  void commitLookupsAskForACommitObjectOnly() {
    assertThat(git.commitExists(mirror, sha))
        .containsExactly(
            "/usr/bin/git", "--git-dir=/data/mirrors/ab.git", "cat-file", "-e", sha + "^{commit}");
    assertThat(git.resolveCommit(Path.of("/srv/app/releases/r1"), "HEAD"))
        .containsExactly(
            "/usr/bin/git",
            "-C",
            "/srv/app/releases/r1",
            "rev-parse",
            "--verify",
            "--quiet",
            "HEAD^{commit}");
    assertThat(git.topLevelNames(mirror, sha))
        .containsExactly(
            "/usr/bin/git", "--git-dir", "/data/mirrors/ab.git", "ls-tree", "--name-only", sha);
  }

  @Test
  void aReleaseIsACloneOfTheMirrorWithADetachedCheckout() {
    Path partial = Path.of("/srv/app/releases/r1.partial-x");
    assertThat(git.cloneWithoutCheckout(mirror, partial))
        .containsExactly(
            "/usr/bin/git",
            "clone",
            "--quiet",
            "--no-checkout",
            "--",
            "/data/mirrors/ab.git",
            "/srv/app/releases/r1.partial-x");
    assertThat(git.checkoutDetached(partial, sha))
        .containsExactly(
            "/usr/bin/git",
            "-C",
            "/srv/app/releases/r1.partial-x",
            "checkout",
            "--quiet",
            "--detach",
            sha);
  }

  @Test
  void aRelativeRepositoryPathIsMadeAbsolute() {
    assertThat(git.cloneWithoutCheckout(Path.of("mirror.git"), Path.of("/r")).get(5))
        .isEqualTo(Path.of("mirror.git").toAbsolutePath().toString());
    assertThat(git.resolveCommit(Path.of("repo"), "main").get(2))
        .isEqualTo(Path.of("repo").toAbsolutePath().toString());
  }

  @Test
  void specSourceCommandsFetchOneBranchShallowlyWithoutTags() {
    GitCommands onPath = GitCommands.onPath();
    assertThat(onPath.cloneBranchShallow("https://host/specs.git", "main", Path.of("/d/specs")))
        .containsExactly(
            "git",
            "clone",
            "--quiet",
            "--no-tags",
            "--single-branch",
            "--depth=1",
            "--branch",
            "main",
            "--",
            "https://host/specs.git",
            "/d/specs");
    assertThat(onPath.setOrigin("https://host/specs.git"))
        .containsExactly("git", "remote", "set-url", "origin", "https://host/specs.git");
    assertThat(onPath.fetchBranchShallow("main", "refs/remotes/origin/main"))
        .containsExactly(
            "git",
            "fetch",
            "--quiet",
            "--no-tags",
            "--depth=1",
            "origin",
            "+refs/heads/main:refs/remotes/origin/main");
    assertThat(onPath.resetHard("refs/remotes/origin/main"))
        .containsExactly("git", "reset", "--quiet", "--hard", "refs/remotes/origin/main");
    assertThat(onPath.removeUntracked()).containsExactly("git", "clean", "--quiet", "-ffdx");
    assertThat(onPath.head()).containsExactly("git", "rev-parse", "HEAD");
    assertThat(onPath.version()).containsExactly("git", "--version");
  }
}
