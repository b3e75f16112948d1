package io.sylvan.operator.pipeline;

import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecParseResult;
import io.sylvan.operator.spec.SpecParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Specs for tests, written as YAML and parsed like real ones. */
public final class TestSpecs {

  private TestSpecs() {}

  /** The YAML of a plain-Node-app spec with quick health checks; {@code extra} is appended. */
  public static String yaml(
      String env, String app, Path repo, String commit, Path root, int port, String extra) {
    return yaml(env, app, repo, commit, root, port, 2, extra);
  }

  /** As above with {@code instances} PM2 instances. */
  public static String yaml(
      String env,
      String app,
      Path repo,
      String commit,
      Path root,
      int port,
      int instances,
      String extra) {
    return """
        apiVersion: sylvan.io/v1
        kind: AppDeployment
        metadata:
          name: %s
          environment: %s
        spec:
          source:
            repository: %s
            commit: %s
          target:
            root: %s
          process:
            instances: %d
            port: %d
            maxMemoryRestart: 300M
            script: server.js
          build:
            command: npm run build
            timeout: 5m
          env:
            required: [DATABASE_URL]
          healthCheck:
            path: /api/health
            timeout: 3s
            retries: 3
            interval: 1s
            expectCommit: true
            maxCpuPercent: 100
          backup:
            enabled: true
            keep: 3
          reconcile:
            interval: 5s
        %s"""
        .formatted(app, env, repo, commit, root, instances, port, extra == null ? "" : extra);
  }

  public static DeploySpec parse(String env, String yaml) {
    SpecParseResult r = new SpecParser().parse(env + ".yaml", yaml);
    if (!r.isValid()) {
      throw new IllegalArgumentException("test spec is invalid: " + r.errors());
    }
    return r.spec();
  }

  /**
   * {@code <work>/target}, a deployment root whose shared env file holds a database URL with {@code
   * canary} as its password and {@code API_KEY=canary}: a secret no output may show.
   */
  public static Path rootWithSecretEnv(Path work, String canary) throws IOException {
    Path root = work.resolve("target");
    java.nio.file.Files.createDirectories(root.resolve("shared"));
    java.nio.file.Files.writeString(
        root.resolve("shared/.env.local"),
        "DATABASE_URL=postgres://app:" + canary + "@localhost/app\nAPI_KEY=\"" + canary + "\"\n");
    return root;
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The settings of an operator that follows the spec repository {@code specRepo} (branch {@code
   * main}, folder {@code deploy-specs}) with its reconcile loop on, polling and ticking every
   * second, its data under {@code work/operator-data}; {@code more} adds settings or overrides
   * these.
   */
  public static java.util.Map<String, String> gitOpsLoop(
      Path specRepo, Path work, java.util.Map<String, String> more) {
    java.util.Map<String, String> config = new java.util.HashMap<>();
    config.put("sylvan.specs.git-url", specRepo.toString());
    config.put("sylvan.specs.git-branch", "main");
    config.put("sylvan.specs.git-path", "deploy-specs");
    config.put("sylvan.specs.poll-interval", "1s");
    config.put("sylvan.reconcile.enabled", "true");
    config.put("sylvan.reconcile.tick", "1s");
    config.put("sylvan.data-dir", work.resolve("operator-data").toString());
    config.putAll(more);
    return config;
  }
}
