package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Rollback: restores the env file kept by the failed deployment's backup, so the release we go back
 * to runs with the variables it ran with.
 */
final class RestoreEnvStep implements Step {

  /** Symlinks followed to find the file an admin's link points to; more is a loop. */
  private static final int MAX_LINKS = 20;

  @Override
  public String name() {
    return "Restoring env file from backup";
  }

  @Override
  public Phase phase() {
    return Phase.ROLLBACK;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    if (ctx.s().env().encrypted()) {
      return Optional.of("the decrypted env file comes back with its release");
    }
    Optional<Path> backup = ctx.backupPath();
    if (backup.isEmpty()
        || !Files.isRegularFile(backup.get().resolve(Backups.ENV_COPY))
            && !Files.isRegularFile(backup.get().resolve(Backups.ENV_COPY_ENCRYPTED))) {
      return Optional.of("no backup of the env file for this deployment");
    }
    return Optional.empty();
  }

  /** The backed-up env file: the plain copy, or the one encrypted to the node, decrypted. */
  private static byte[] backedUp(DeploymentContext ctx, Path backup) throws IOException {
    Path plain = backup.resolve(Backups.ENV_COPY);
    if (Files.isRegularFile(plain)) {
      return Files.readAllBytes(plain);
    }
    EnvSecrets secrets = ctx.tools().secrets();
    if (secrets.identity().isEmpty()) {
      throw new IOException("the backup's env file is encrypted and this node has no identity");
    }
    try {
      return secrets
          .age()
          .decrypt(secrets.identity().get(), backup.resolve(Backups.ENV_COPY_ENCRYPTED));
    } catch (io.sylvan.operator.runtime.Age.AgeException e) {
      throw new IOException(e.getMessage());
    }
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path backup = ctx.backupPath().orElseThrow();
    Path to = ctx.envFile();
    try {
      byte[] content = backedUp(ctx, backup);
      if (Files.isRegularFile(to) && java.util.Arrays.equals(Files.readAllBytes(to), content)) {
        return "env file unchanged since the backup";
      }
      // An env file an admin made a symlink stays one: the content goes to the link's target.
      Path file = linkTarget(to);
      write(content, file);
      String restored = "restored " + to.getFileName() + " from " + backup.getFileName();
      return file.equals(to.toAbsolutePath())
          ? restored
          : restored + " (through the symlink to " + file + ")";
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.RESTORE_ENV_FAILED, "cannot restore " + to + ": " + e.getMessage());
    }
  }

  /** The file {@code path} finally names: itself, or where its chain of symlinks ends. */
  static Path linkTarget(Path path) throws IOException {
    Path p = path.toAbsolutePath();
    for (int i = 0; i < MAX_LINKS; i++) {
      if (!Files.isSymbolicLink(p)) {
        return p;
      }
      p = p.resolveSibling(Files.readSymbolicLink(p));
    }
    throw new IOException("too many levels of symbolic links at " + path);
  }

  /**
   * Replaces {@code file} atomically with {@code content}, mode 600 from the start (it holds
   * secrets); in place when its folder does not let us create the temporary file beside it.
   */
  static void write(byte[] content, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".restore");
    try {
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (AccessDeniedException e) {
      Files.write(
          file,
          content,
          StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (IOException notOwner) {
        // An admin's file in an admin's folder keeps the mode the admin gave it.
      }
      return;
    }
    try {
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
