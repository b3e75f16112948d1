package io.sylvan.operator.cli;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The operator for {@code sylvanctl --wait}: a spec folder of its own holding one environment of
 * the plain Node fixture (its env file holds a canary secret), the reconcile loop off (the test
 * default), so only the deployments the CLI asks for run. {@link CliTestProfile} points its specs
 * at a missing repository on purpose, so it cannot serve here.
 */
public class WaitTestProfile implements QuarkusTestProfile {

  static final String ENV = "waitenv";
  static final String APP = "waitenv-app";
  static final String TOKEN = "wait-token";
  static final String CANARY = "canary-" + UUID.randomUUID();

  static final Path WORK;
  static final NodeAppRepo REPO;
  static final Path ROOT;
  static final Path SPECS;
  static final int PORT;
  static final String COMMIT_A;

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-cli-wait-");
      REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_A = REPO.commitChange("A");
      ROOT = TestSpecs.rootWithSecretEnv(WORK, CANARY);
      PORT = TestSpecs.freePort();
      SPECS = WORK.resolve("specs");
      Files.createDirectories(SPECS);
      desire(COMMIT_A);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the spec naming {@code commit}: the next deploy reads it. */
  static void desire(String commit) {
    try {
      Files.writeString(
          SPECS.resolve(ENV + ".yaml"),
          TestSpecs.yaml(ENV, APP, REPO.dir(), commit, ROOT, PORT, ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "sylvan.auth.token", TOKEN,
        "sylvan.specs.directory", SPECS.toString(),
        "sylvan.data-dir", WORK.resolve("data").toString());
  }
}
