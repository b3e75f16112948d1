package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecFixtures.COMMIT_A;
import static io.sylvan.operator.spec.SpecFixtures.COMMIT_B;
import static io.sylvan.operator.spec.SpecFixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sylvan.operator.runtime.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs against real git repositories created in a temporary folder. */
class GitSpecSourceTest {

  @TempDir Path tmp;
  private Path repo;
  private Path checkout;

  @BeforeEach
  void createSpecRepository() throws Exception {
    repo = tmp.resolve("specs-repo");
    checkout = tmp.resolve("data/spec-checkout");
    git(tmp, "init", "--quiet", "--initial-branch=main", repo.toString());
    commitSpec("production", minimal("production", COMMIT_A), "deploy production A");
  }

  @Test
  void seesANewDesiredCommitAfterItIsCommitted() throws Exception {
    GitSpecSource source = source("main");

    SpecSnapshot first = source.load();
    assertThat(first.invalid()).isEmpty();
    assertThat(first.valid().get("production").spec().source().commit()).isEqualTo(COMMIT_A);
    assertThat(first.revision()).isEqualTo(head(repo));

    commitSpec("production", minimal("production", COMMIT_B), "deploy production B");
    SpecSnapshot second = source.load();

    assertThat(second.valid().get("production").spec().source().commit()).isEqualTo(COMMIT_B);
    assertThat(second.revision()).isEqualTo(head(repo)).isNotEqualTo(first.revision());
  }

  @Test
  void followsABranchOtherThanMain() throws Exception {
    git(repo, "checkout", "--quiet", "-b", "release");
    commitSpec("production", minimal("production", COMMIT_B), "release B");
    String releaseHead = head(repo);
    git(repo, "checkout", "--quiet", "main");

    SpecSnapshot snapshot = source("release").load();

    assertThat(snapshot.revision()).isEqualTo(releaseHead);
    assertThat(snapshot.valid().get("production").spec().source().commit()).isEqualTo(COMMIT_B);
  }

  @Test
  void discardsLocalChangesInTheCheckout() throws Exception {
    GitSpecSource source = source("main");
    source.load();
    Files.writeString(checkout.resolve("deploy-specs/production.yaml"), "garbage: [");
    Files.writeString(checkout.resolve("deploy-specs/extra.yaml"), minimal("extra"));

    SpecSnapshot snapshot = source.load();

    assertThat(snapshot.invalid()).isEmpty();
    assertThat(snapshot.valid()).containsOnlyKeys("production");
  }

  @Test
  void anUnreachableRepositoryNamesTheUrlWithoutCredentials() {
    String url = "https://deploy:s3cret-token@127.0.0.1:9/sylvan/specs.git";
    GitSpecSource source =
        new GitSpecSource(url, "main", "deploy-specs", checkout, Duration.ofSeconds(20));

    assertThatThrownBy(source::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("git clone")
        .hasMessageContaining("https://***@127.0.0.1:9/sylvan/specs.git")
        .hasMessageNotContaining("s3cret-token");
    assertThat(source.describe())
        .isEqualTo("git https://***@127.0.0.1:9/sylvan/specs.git branch main path deploy-specs");
  }

  @Test
  void aMissingBranchOrFolderIsASourceError() {
    assertThatThrownBy(() -> source("nope").load())
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("nope");

    GitSpecSource wrongFolder =
        new GitSpecSource(
            repo.toString(), "main", "specs", tmp.resolve("other"), Duration.ofSeconds(20));
    assertThatThrownBy(wrongFolder::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("spec folder 'specs' does not exist");
  }

  @Test
  void rejectsASymlinkCommittedToTheSpecFolderWithoutReadingIt() throws Exception {
    Path canary = tmp.resolve("outside/.env");
    Files.createDirectories(canary.getParent());
    Files.writeString(canary, "CANARY_SECRET=git-canary-4711\n");
    Files.createSymbolicLink(repo.resolve("deploy-specs/leak.yaml"), canary);
    Files.createSymbolicLink(repo.resolve("linked-specs"), canary.getParent());
    commitAll("a link to a file outside the repository");

    SpecSnapshot snapshot = source("main").load();

    assertThat(snapshot.valid()).containsOnlyKeys("production");
    assertThat(snapshot.invalid())
        .singleElement()
        .satisfies(
            invalid -> {
              assertThat(invalid.file()).isEqualTo("leak.yaml");
              assertThat(invalid.errors())
                  .singleElement()
                  .hasToString(
                      "leak.yaml:1:1: (file): leak.yaml is a symbolic link; spec files must be"
                          + " regular files");
            });
    assertThat(snapshot.toString()).doesNotContain("git-canary-4711");
    // A spec folder committed as a link to a folder outside the repository is refused whole.
    GitSpecSource linked =
        new GitSpecSource(
            repo.toString(), "main", "linked-specs", tmp.resolve("other"), Duration.ofSeconds(20));
    assertThatThrownBy(linked::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("symbolic link that leaves the repository")
        .hasMessageNotContaining("git-canary-4711");
  }

  @Test
  void redactsCredentialsInAnyUrl() {
    assertThat(Redactor.patterns("fatal: https://u:p@host/x and ssh://git@host/y"))
        .isEqualTo("fatal: https://***@host/x and ssh://***@host/y");
    assertThat(Redactor.patterns("git@github.com:org/repo.git"))
        .isEqualTo("git@github.com:org/repo.git");
  }

  private GitSpecSource source(String branch) {
    return new GitSpecSource(
        repo.toString(), branch, "deploy-specs", checkout, Duration.ofSeconds(20));
  }

  private void commitSpec(String environment, String content, String message) throws Exception {
    Path file = repo.resolve("deploy-specs/" + environment + ".yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    commitAll(message);
  }

  private void commitAll(String message) throws Exception {
    git(repo, "add", "-A");
    git(
        repo,
        "-c",
        "user.name=Spec Test",
        "-c",
        "user.email=spec-test@example.com",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--quiet",
        "-m",
        message);
  }

  private static String head(Path dir) throws Exception {
    return git(dir, "rev-parse", "HEAD").strip();
  }

  private static String git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(command + ": " + output).isZero();
    return output;
  }
}
