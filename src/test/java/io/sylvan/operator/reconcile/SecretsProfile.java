package io.sylvan.operator.reconcile;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.AgeTest;
import io.sylvan.operator.runtime.TestGit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An operator whose spec repository holds the environment's env file encrypted with age to this
 * node's identity (real {@code age}, real git, the loop on, a log file of its own to search).
 */
public class SecretsProfile implements QuarkusTestProfile {

  static final String ENV = "secrets";
  static final String APP = "secrets-app";
  static final String TOKEN = "secrets-token";
  static final String ENCRYPTED = "secrets/" + ENV + ".env.age";

  static final Path WORK;
  static final NodeAppRepo APP_REPO;
  static final Path SPEC_REPO;
  static final Path ROOT;
  static final Path IDENTITY;
  static final Path OPERATOR_LOG;
  static final int PORT;
  static final String COMMIT_A;

  /** Values no output may show: the first, the rotated, and ones of failed deployments. */
  static final String CANARY_1 = "canary-One-7Hq2ZxP";

  static final String CANARY_2 = "canary-Two-9Lw4QmR";
  static final String CANARY_3 = "canary-Three-2Vb8NsK";
  static final String CANARY_4 = "canary-Four-5Tc1JdW";
  static final String CANARY_5 = "canary-Five-8Rk3WeY";
  static final String DATABASE_URL = "DATABASE_URL=postgres://app:canary-Db-3Xk9Pq@localhost/app\n";

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-secrets-");
      APP_REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_A = APP_REPO.commitChange("A");
      ROOT = WORK.resolve("target");
      IDENTITY = WORK.resolve("node-identity.txt");
      OPERATOR_LOG = WORK.resolve("operator.log");
      AgeTest.keygen(IDENTITY);
      PORT = TestSpecs.freePort();
      SPEC_REPO = WORK.resolve("specs");
      TestGit.init(SPEC_REPO);
      Files.createDirectories(SPEC_REPO.resolve("deploy-specs"));
      Files.createDirectories(SPEC_REPO.resolve("secrets"));
      Files.writeString(
          SPEC_REPO.resolve("deploy-specs/" + ENV + ".yaml"),
          TestSpecs.yaml(ENV, APP, APP_REPO.dir(), COMMIT_A, ROOT, PORT, "")
              .replace(
                  "    required: [DATABASE_URL]\n",
                  "    encryptedFile: "
                      + ENCRYPTED
                      + "\n    required: [DATABASE_URL, FIXTURE_SECRET]\n"));
      commitSecrets(DATABASE_URL + "FIXTURE_SECRET=" + CANARY_1 + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Encrypts {@code envText} to the node's recipient as the spec's encrypted file and commits it: a
   * change of the secrets alone. The plaintext exists on disk only for the moment age reads it.
   */
  static String commitSecrets(String envText) {
    try {
      Age age = new Age();
      Path plain = WORK.resolve("plain.env");
      Files.writeString(plain, envText);
      Path out = SPEC_REPO.resolve(ENCRYPTED);
      Files.deleteIfExists(out);
      age.encrypt(age.recipient(IDENTITY), plain, out);
      Files.delete(plain);
    } catch (IOException | Age.AgeException e) {
      throw new IllegalStateException(e);
    }
    return TestGit.commitAll(SPEC_REPO, "secrets");
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return TestSpecs.gitOpsLoop(
        SPEC_REPO,
        WORK,
        Map.of(
            "sylvan.auth.token",
            TOKEN,
            "sylvan.secrets.identity",
            IDENTITY.toString(),
            "quarkus.log.file.enabled",
            "true",
            "quarkus.log.file.path",
            OPERATOR_LOG.toString()));
  }
}
