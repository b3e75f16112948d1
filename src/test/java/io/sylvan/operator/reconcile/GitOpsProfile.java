package io.sylvan.operator.reconcile;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import io.sylvan.operator.runtime.TestGit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An operator whose desired state lives in a real git repository made here (the GitOps way), with
 * the reconcile loop on, a fast tick and a token and webhook secret for the API.
 */
public class GitOpsProfile implements QuarkusTestProfile {

  static final String ENV = "gitops";
  static final String APP = "gitops-app";
  static final String TOKEN = "gitops-token";
  static final String WEBHOOK_SECRET = "gitops-webhook-secret";

  static final Path WORK;
  static final NodeAppRepo APP_REPO;
  static final Path SPEC_REPO;
  static final Path ROOT;
  static final int PORT;
  static final String COMMIT_A;
  static final AlertRecorder ALERTS = new AlertRecorder();

  static {
    try {
      WORK = Files.createTempDirectory("sylvan-gitops-");
      APP_REPO = NodeAppRepo.create(WORK.resolve("app"), "7.0.0");
      COMMIT_A = APP_REPO.commitChange("A");
      ROOT = WORK.resolve("target");
      Files.createDirectories(ROOT.resolve("shared"));
      Files.writeString(
          ROOT.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/app\n");
      PORT = TestSpecs.freePort();
      SPEC_REPO = WORK.resolve("specs");
      TestGit.init(SPEC_REPO);
      Files.createDirectories(SPEC_REPO.resolve("deploy-specs"));
      commitSpec(COMMIT_A, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Commits a new desired state for the environment: the GitOps deploy. */
  static String commitSpec(String commit, String extra) {
    try {
      Files.writeString(
          SPEC_REPO.resolve("deploy-specs/" + ENV + ".yaml"),
          TestSpecs.yaml(ENV, APP, APP_REPO.dir(), commit, ROOT, PORT, extra));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return TestGit.commitAll(SPEC_REPO, "deploy " + commit.substring(0, 12));
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return TestSpecs.gitOpsLoop(
        SPEC_REPO,
        WORK,
        Map.of(
            "sylvan.alerts.url",
            ALERTS.url(),
            "sylvan.auth.token",
            TOKEN,
            "sylvan.auth.webhook-secret",
            WEBHOOK_SECRET));
  }
}
