package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sylvanctl validate}: offline, with the operator's parser, for a pre-commit hook. */
class ValidateCommandTest {

  private static final String GOOD_COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8";

  @Test
  void theExampleDeploySpecsAreValid() {
    Ctl result = Ctl.run("validate", "deploy-specs");

    assertThat(result.exitCode()).as(result.all()).isZero();
    assertThat(result.out()).contains("OK: 2 spec files valid (production, test)");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void oneGoodFileIsValidOnItsOwn() {
    Ctl result = Ctl.run("validate", "deploy-specs/test.yaml");

    assertThat(result.exitCode()).as(result.all()).isZero();
    assertThat(result.out()).contains("OK: 1 spec file valid (test)");
  }

  @Test
  void badFilesGiveExitCode1AndEveryErrorAsFileLineColumn(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("production.yaml"), spec("production", "9fceb02"));
    Files.writeString(
        dir.resolve("test.yaml"), spec("test", GOOD_COMMIT) + "status: {}\n"); // unknown key
    Files.writeString(dir.resolve("staging.yaml"), spec("staging", GOOD_COMMIT));
    Files.writeString(dir.resolve("README.md"), "not a spec: ignored");

    Ctl result = Ctl.run("validate", dir.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(dir.resolve("production.yaml") + ":8:13: spec.source.commit: must be a full")
        .contains(dir.resolve("test.yaml") + ":13:1: status: unknown key 'status'")
        .contains("2 errors in 2 of 3 spec files")
        .doesNotContain("staging.yaml:");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void twoFilesDeclaringOneEnvironmentAreBothReported(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("test.yaml"), spec("test", GOOD_COMMIT));
    Files.writeString(dir.resolve("test.yml"), spec("test", GOOD_COMMIT));

    Ctl result = Ctl.run("validate", dir.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("test.yaml:4:16: metadata.environment:");
    assertThat(result.err()).contains("test.yml:4:16: metadata.environment:");
  }

  @Test
  void aPathThatDoesNotExistOrHoldsNoSpecsFails(@TempDir Path dir) {
    assertThat(Ctl.run("validate", dir.resolve("missing").toString()).exitCode()).isEqualTo(1);

    Ctl empty = Ctl.run("validate", dir.toString());
    assertThat(empty.exitCode()).isEqualTo(1);
    assertThat(empty.err()).contains("no *.yaml or *.yml spec files in " + dir);
  }

  /** A minimal valid spec; line 8 column 13 is the commit, line 13 is past the end. */
  private static String spec(String env, String commit) {
    return """
        apiVersion: sylvan.io/v1
        kind: AppDeployment
        metadata:
          environment: %s
        spec:
          source:
            repository: /srv/git/app.git
            commit: %s
          target:
            root: /srv/sylvan/%s
          process:
            port: 3333
        """
        .formatted(env, commit, env);
  }
}
