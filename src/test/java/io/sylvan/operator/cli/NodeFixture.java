package io.sylvan.operator.cli;

import io.sylvan.operator.pipeline.NodeAppRepo;
import io.sylvan.operator.pipeline.TestSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * One environment of the plain Node fixture for an operator the CLI talks to: its app repository
 * (commit A made), a deployment root whose env file holds a canary secret, a free port and a spec
 * folder of its own holding the environment's spec.
 */
final class NodeFixture {

  final String env;
  final String app;
  final String canary = "canary-" + UUID.randomUUID();
  final Path work;
  final NodeAppRepo repo;
  final String commitA;
  final Path root;
  final Path specs;
  final int port = TestSpecs.freePort();

  NodeFixture(String env) {
    this.env = env;
    this.app = env + "-app";
    try {
      work = Files.createTempDirectory("sylvan-cli-" + env + "-");
      repo = NodeAppRepo.create(work.resolve("app"), "7.0.0");
      commitA = repo.commitChange("A");
      root = TestSpecs.rootWithSecretEnv(work, canary);
      specs = Files.createDirectories(work.resolve("specs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    desire(commitA);
  }

  /** The operator's settings for this fixture: its spec folder, a data folder, {@code token}. */
  Map<String, String> config(String token) {
    return Map.of(
        "sylvan.auth.token", token,
        "sylvan.specs.directory", specs.toString(),
        "sylvan.data-dir", work.resolve("data").toString());
  }

  /** Writes the spec naming {@code commit}: the next deploy or spec poll reads it. */
  void desire(String commit) {
    try {
      Files.writeString(
          specs.resolve(env + ".yaml"),
          TestSpecs.yaml(env, app, repo.dir(), commit, root, port, ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
