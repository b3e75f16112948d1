package io.sylvan.operator.reconcile;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * An operator on a local spec folder, with the loop on and a fast tick: environment {@code alpha}
 * (the plain Node fixture app) and, from the start, {@code leak.yaml}, a symbolic link to an env
 * file outside the folder whose text must never show.
 */
public class SpecSafetyProfile implements QuarkusTestProfile {

  static final String CANARY = "CANARY_SECRET=spec-safety-canary-90210";

  static final Path WORK;
  static final Path SPECS;
  static final NodeAppRepo APP_REPO;
  static final String COMMIT_ALPHA;
  static final String COMMIT_BRAVO;
  static final Path ROOT_ALPHA;
  static final Path ROOT_BRAVO;
  static final int PORT_ALPHA;
  static final int PORT_BRAVO;

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-spec-safety-");
      APP_REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_ALPHA = APP_REPO.commitChange("alpha");
      COMMIT_BRAVO = APP_REPO.commitChange("bravo");
      ROOT_ALPHA = root("alpha");
      ROOT_BRAVO = root("bravo");
      PORT_ALPHA = TestSpecs.freePort();
      PORT_BRAVO = TestSpecs.freePort();
      SPECS = WORK.resolve("specs");
      Files.createDirectories(SPECS);
      Path canary = WORK.resolve("outside/.env");
      Files.createDirectories(canary.getParent());
      Files.writeString(canary, CANARY + "\n");
      Files.createSymbolicLink(SPECS.resolve("leak.yaml"), canary);
      writeSpec("alpha.yaml", alpha());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root(String env) throws IOException {
    Path root = WORK.resolve("target-" + env);
    Files.createDirectories(root.resolve("shared"));
    Files.writeString(root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/app\n");
    return root;
  }

  static String alpha() {
    return TestSpecs.yaml(
        "alpha", "alpha-app", APP_REPO.dir(), COMMIT_ALPHA, ROOT_ALPHA, PORT_ALPHA, "");
  }

  /** Bravo's spec with the given app name, root and port. */
  static String bravo(String app, Path root, int port) {
    return TestSpecs.yaml("bravo", app, APP_REPO.dir(), COMMIT_BRAVO, root, port, "");
  }

  /** Writes a spec file atomically: the operator polls the folder. */
  static void writeSpec(String file, String text) {
    try {
      Path tmp = SPECS.resolve(file + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, SPECS.resolve(file), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteSpec(String file) {
    try {
      Files.deleteIfExists(SPECS.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "sylvan.specs.directory", SPECS.toString(),
        "sylvan.specs.poll-interval", "1s",
        "sylvan.reconcile.enabled", "true",
        "sylvan.reconcile.tick", "1s",
        "sylvan.data-dir", WORK.resolve("operator-data").toString());
  }
}
