package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.ToolCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A change of the encrypted env file alone: the new release is a copy of the serving one (same
 * commit, same build), so the new values need a reload, not a build. The copy is a new directory so
 * that a rollback finds the serving release, and its env file, untouched.
 */
final class CopyReleaseStep implements Step {

  static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * What the copy must not carry over: the old env file, the run markers, and the built marker,
   * which {@link WriteEnvStep} sets once the new env file is in (a release is never picked without
   * its env file).
   */
  static final List<String> NOT_COPIED =
      List.of(
          EnvSecrets.RELEASE_ENV,
          EnvSecrets.RELEASE_ENV_SOURCE,
          EnvSecrets.RELEASE_ENV_HASHES,
          Releases.FAST_DRAIN_MARKER,
          Releases.BUILT_MARKER);

  @Override
  public String name() {
    return "Copying the serving release (env change only, no build)";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path from =
        ctx.servingRelease()
            .orElseThrow(
                () ->
                    new StepFailure(
                        FailureCode.BUILD_FAILED, "no serving release to copy the build from"));
    Path to = ctx.releaseDir();
    // Copied beside releases/ and moved in whole: a copy cut short is never taken for a release.
    Path staging = ctx.root().resolve(".sylvan-copy-" + to.getFileName());
    try {
      FileTrees.delete(staging);
      CommandResult r =
          ctx.run(ToolCommands.copyKeepingTimes(from, staging), ctx.root(), Map.of(), TIMEOUT);
      if (!r.ok()) {
        throw new StepFailure(
            FailureCode.BUILD_FAILED, "cannot copy " + from + " to " + to + ": " + r.tail(500));
      }
      for (String name : NOT_COPIED) {
        Files.deleteIfExists(staging.resolve(name));
      }
      Files.move(staging, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StepFailure(FailureCode.BUILD_FAILED, "cannot copy the release: " + e.getMessage());
    }
    return "copied " + from.getFileName() + " to " + to.getFileName();
  }
}
