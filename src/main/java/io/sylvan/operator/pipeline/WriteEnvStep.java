package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Writes the decrypted env file into the new release (mode 600 from the start, replaced
 * atomically), with a copy of the encrypted file it came from and the two hashes. Before the build,
 * so a build sees its {@code NEXT_PUBLIC_*} values; a rollback finds each release's own env file in
 * it.
 */
final class WriteEnvStep implements Step {

  /** Whether this step completes a copied release (no build follows to mark it built). */
  private final boolean marksBuilt;

  /** Before a build, which marks the release built itself. */
  WriteEnvStep() {
    this(false);
  }

  WriteEnvStep(boolean marksBuilt) {
    this.marksBuilt = marksBuilt;
  }

  @Override
  public String name() {
    return "Writing decrypted env file";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    return ctx.decrypted().isEmpty()
        ? Optional.of("no encrypted env file (spec.env.encryptedFile) in this spec")
        : Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    EnvSecrets.Decrypted d = ctx.decrypted().orElseThrow();
    Path release = ctx.releaseDir();
    Path env = release.resolve(EnvSecrets.RELEASE_ENV);
    try {
      if (Files.isSymbolicLink(env)) {
        // Never write through a link a commit may carry.
        Files.delete(env);
      }
      RestoreEnvStep.write(d.content(), env);
      RestoreEnvStep.write(d.source(), release.resolve(EnvSecrets.RELEASE_ENV_SOURCE));
      Files.writeString(
          release.resolve(EnvSecrets.RELEASE_ENV_HASHES),
          d.sourceHash() + " " + d.contentHash() + "\n",
          StandardCharsets.UTF_8);
      if (marksBuilt) {
        Files.writeString(release.resolve(Releases.BUILT_MARKER), ctx.commit() + "\n");
      }
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.TARGET_NOT_WRITABLE,
          "cannot write the env file " + env + ": " + e.getMessage());
    }
    return "wrote "
        + EnvSecrets.RELEASE_ENV
        + " (mode 600, "
        + d.values().size()
        + " keys, sha256 "
        + Hashes.short12(d.contentHash())
        + ")";
  }
}
