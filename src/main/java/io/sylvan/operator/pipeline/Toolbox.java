package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.Git;
import io.sylvan.operator.runtime.Pm2;
import io.sylvan.operator.runtime.Redactor;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * The external tools a pipeline run drives and the operator's own files on disk: git mirrors under
 * {@code <data-dir>/mirrors}, the launcher and the ecosystem file. {@code healthSink} records each
 * health report (database row and health log); {@code redactor} holds the operator's own secrets.
 * {@code secrets} is the node's age identity for encrypted env files. {@code idlePriority} is the
 * operator's switch ({@code sylvan.deploy.idle-priority}): whether what a deployment starts that
 * serves no user runs at the lowest CPU and I/O priority.
 */
public record Toolbox(
    CommandRunner runner,
    Git git,
    Pm2 pm2,
    HealthChecker healthChecker,
    Path dataDir,
    Path launcher,
    Path ecosystemFile,
    Redactor redactor,
    BiConsumer<DeploymentContext, HealthReport> healthSink,
    boolean idlePriority,
    EnvSecrets secrets) {

  /** A toolbox with the idle priority on, the operator's default, and no age identity. */
  public Toolbox(
      CommandRunner runner,
      Git git,
      Pm2 pm2,
      HealthChecker healthChecker,
      Path dataDir,
      Path launcher,
      Path ecosystemFile,
      Redactor redactor,
      BiConsumer<DeploymentContext, HealthReport> healthSink) {
    this(
        runner,
        git,
        pm2,
        healthChecker,
        dataDir,
        launcher,
        ecosystemFile,
        redactor,
        healthSink,
        true,
        EnvSecrets.NONE);
  }

  /** The cached bare mirror of an app repository, keyed by a hash of its URL. */
  public Path mirrorFor(String repository) {
    return dataDir.resolve("mirrors").resolve(Hashes.sha256(repository).substring(0, 16) + ".git");
  }
}
