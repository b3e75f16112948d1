package io.sylvan.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.AgeTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    String production = example("production").replace(GOOD_COMMIT, "9fceb02");
    Files.writeString(dir.resolve("production.yaml"), production);
    String test = example("test") + "status: {}\n"; // an unknown top-level key
    Files.writeString(dir.resolve("test.yaml"), test);
    Files.writeString(dir.resolve("staging.yaml"), example("test").replace("test", "staging"));
    Files.writeString(dir.resolve("README.md"), "not a spec: ignored");

    Ctl result = Ctl.run("validate", dir.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(dir.resolve("production.yaml") + ":" + position(production, "commit: "))
        .contains(": spec.source.commit: must be a full commit sha")
        .contains(
            dir.resolve("test.yaml")
                + ":"
                + test.lines().count()
                + ":1: status: unknown key 'status'")
        .contains("2 errors in 2 of 3 spec files")
        .doesNotContain("staging.yaml:");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void twoFilesDeclaringOneEnvironmentAreBothReported(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("test.yaml"), example("test"));
    Files.writeString(dir.resolve("test.yml"), example("test"));

    Ctl result = Ctl.run("validate", dir.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    String at = ":" + position(example("test"), "environment: ") + ": metadata.environment:";
    assertThat(result.err()).contains("test.yaml" + at, "test.yml" + at);
  }

  @Test
  void environmentsSharingAPortAreReportedWithTheOtherFileAndALinkIsNotRead(@TempDir Path dir)
      throws IOException {
    String production = example("production");
    Files.writeString(dir.resolve("production.yaml"), production);
    String staging =
        example("test")
            .replace("environment: test", "environment: staging")
            .replace("3334", "3333");
    Files.writeString(dir.resolve("staging.yaml"), staging);
    Path canary = dir.resolve("outside.env");
    Files.writeString(canary, "CANARY_SECRET=cli-canary-4711\n");
    Files.createSymbolicLink(dir.resolve("leak.yaml"), canary);

    Ctl result = Ctl.run("validate", dir.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            dir.resolve("staging.yaml")
                + ":"
                + position(staging, "port: ")
                + ": spec.process.port: port 3333 is also used by environment 'production' ("
                + dir.resolve("production.yaml")
                + ":"
                + position(production, "port: ")
                + ")")
        .contains(dir.resolve("leak.yaml") + ":1:1: (file): ")
        .contains("is a symbolic link; spec files must be regular files")
        .doesNotContain("cli-canary-4711");
  }

  @Test
  void aPathThatDoesNotExistOrHoldsNoSpecsFails(@TempDir Path dir) {
    assertThat(Ctl.run("validate", dir.resolve("missing").toString()).exitCode()).isEqualTo(1);

    Ctl empty = Ctl.run("validate", dir.toString());
    assertThat(empty.exitCode()).isEqualTo(1);
    assertThat(empty.err()).contains("no *.yaml or *.yml spec files in " + dir);
  }

  @Test
  void secretsListsTheKeyNamesOfEachEncryptedFileAndNeverAValue(@TempDir Path repo)
      throws Exception {
    Path specs = Files.createDirectories(repo.resolve("deploy-specs"));
    Files.createDirectories(repo.resolve("secrets"));
    Path identity = AgeTest.keygen(repo.resolve("me.key"));
    Age age = new Age();
    AgeTest.encrypt(
        age,
        identity,
        "DATABASE_URL=postgres://app:canary-Cli-8Zp3@db/app\nSTRIPE_KEY=sk-canary\n",
        repo.resolve("secrets/test.env.age"));
    Files.writeString(specs.resolve("test.yaml"), encrypted(example("test")));

    Ctl ok = Ctl.run("validate", "--secrets", "--identity", identity.toString(), specs.toString());

    assertThat(ok.exitCode()).as(ok.all()).isZero();
    assertThat(ok.out())
        .contains("secrets/test.env.age decrypts: DATABASE_URL, STRIPE_KEY (2 keys)")
        .doesNotContain("canary");

    Path other = AgeTest.keygen(repo.resolve("other.key"));
    Ctl wrong = Ctl.run("validate", "--secrets", "--identity", other.toString(), specs.toString());

    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.err()).contains("not encrypted to this node's identity (wrong key");

    AgeTest.encrypt(age, identity, "STRIPE_KEY=sk-canary\n", repo.resolve("secrets/test.env.age"));
    Ctl missing =
        Ctl.run("validate", "--secrets", "--identity", identity.toString(), specs.toString());

    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err())
        .contains("required keys missing or empty in secrets/test.env.age: DATABASE_URL")
        .doesNotContain("canary");
  }

  /** {@code spec} with its env file encrypted in the repository instead of kept by hand. */
  private static String encrypted(String spec) {
    return spec.replaceAll("(?m)^    file: .*\n", "")
        .replace("  env:\n", "  env:\n    encryptedFile: secrets/test.env.age\n");
  }

  private static String example(String env) throws IOException {
    return Files.readString(Path.of("deploy-specs", env + ".yaml"));
  }

  /** {@code line:column} (1-based) of the value after {@code key} in {@code content}. */
  private static String position(String content, String key) {
    List<String> lines = content.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      int column = lines.get(i).indexOf(key);
      if (column >= 0 && !lines.get(i).trim().startsWith("#")) {
        return (i + 1) + ":" + (column + key.length() + 1);
      }
    }
    throw new AssertionError(key + " not in the example");
  }
}
