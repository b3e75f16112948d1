package io.sylvan.operator.ui;

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
 * Two environments of the plain Node fixture deployed the GitOps way (a real spec repository, the
 * reconcile loop on), each with an env file holding a canary value the dashboard must never show.
 */
public class DashboardProfile implements QuarkusTestProfile {

  static final String TOKEN = "dashboard-token-7c1e9";
  static final String CANARY = "canary-3f9a1d-not-for-eyes";
  static final String[] ENVS = {"dash-a", "dash-b"};

  static final Path WORK;
  static final NodeAppRepo APP_REPO;
  static final Path SPEC_REPO;
  static final String COMMIT_A;
  private static final int[] PORTS = {TestSpecs.freePort(), TestSpecs.freePort()};

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-dashboard-");
      APP_REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_A = APP_REPO.commitChange("A");
      SPEC_REPO = WORK.resolve("specs");
      TestGit.init(SPEC_REPO);
      Files.createDirectories(SPEC_REPO.resolve("deploy-specs"));
      for (String env : ENVS) {
        Path shared = root(env).resolve("shared");
        Files.createDirectories(shared);
        Files.writeString(
            shared.resolve(".env.local"),
            "DATABASE_URL=postgres://localhost/app\nCANARY_SECRET=" + CANARY + "\n");
        writeSpec(env, COMMIT_A);
      }
      commit("deploy A");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path root(String env) {
    return WORK.resolve("target-" + env);
  }

  /** Commits a new desired commit for {@code env}: the GitOps deploy. */
  static void deploy(String env, String commit) {
    writeSpec(env, commit);
    commit("deploy " + commit.substring(0, 12) + " to " + env);
  }

  private static void writeSpec(String env, String commit) {
    int port = PORTS[env.equals(ENVS[0]) ? 0 : 1];
    try {
      Files.writeString(
          SPEC_REPO.resolve("deploy-specs/" + env + ".yaml"),
          TestSpecs.yaml(env, env + "-app", APP_REPO.dir(), commit, root(env), port, 1, ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void commit(String message) {
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
  }

  private static CommandResult git(String... args) {
    return TestGit.run(SPEC_REPO, args);
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return TestSpecs.gitOpsLoop(SPEC_REPO, WORK, Map.of("sylvan.auth.token", TOKEN));
  }
}
