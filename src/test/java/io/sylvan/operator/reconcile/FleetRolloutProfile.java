package io.sylvan.operator.reconcile;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.TestGit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * This operator is node "web-2" of a fleet whose environments are placed on web-1 (the canary) and
 * web-2; the specs live in a real git repository made here, the reconcile loop is on.
 */
public class FleetRolloutProfile implements QuarkusTestProfile {

  static final String NODE = "web-2";
  static final String CANARY = "web-1";

  static final Path WORK;
  static final NodeAppRepo APP_REPO;
  static final Path SPEC_REPO;
  static final String COMMIT_A;

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-fleet-");
      APP_REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_A = APP_REPO.commitChange("A");
      SPEC_REPO = WORK.resolve("specs");
      TestGit.init(SPEC_REPO);
      Files.createDirectories(SPEC_REPO.resolve("deploy-specs"));
      git("commit", "-q", "--allow-empty", "-m", "no environments yet");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An environment placed on web-1 then web-2 (one canary, 4 s minHealthyTime). */
  record Placed(String env, Path root, int port) {

    static Placed create(String env) {
      try {
        Path root = WORK.resolve(env);
        Files.createDirectories(root.resolve("shared"));
        Files.writeString(
            root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/app\n");
        return new Placed(env, root, TestSpecs.freePort());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String app() {
      return env + "-app";
    }

    /** Commits a new desired commit for the environment: the GitOps deploy. */
    void commitSpec(String commit, boolean autoRevert) {
      String extra =
          """
            placement:
              nodes: [%s, %s]
            rollout:
              canary: 1
              maxParallel: 1
              minHealthyTime: 4s
              autoRevert: %s
          """
              .formatted(CANARY, NODE, autoRevert);
      try {
        Files.writeString(
            SPEC_REPO.resolve("deploy-specs/" + env + ".yaml"),
            TestSpecs.yaml(env, app(), APP_REPO.dir(), commit, root, port, extra));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      git("add", "-A");
      git("commit", "-q", "-m", env + " at " + commit.substring(0, 12));
    }
  }

  private static CommandResult git(String... args) {
    return TestGit.run(SPEC_REPO, args);
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return TestSpecs.gitOpsLoop(SPEC_REPO, WORK, Map.of("sylvan.node.name", NODE));
  }
}
