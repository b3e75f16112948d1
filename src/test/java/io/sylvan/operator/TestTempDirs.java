package io.sylvan.operator;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The build points {@code java.io.tmpdir} (and {@code TMPDIR} for the commands tests run) at a
 * directory of its own under {@code target/}: every temporary directory a test makes (PM2 homes,
 * git repositories, releases, embedded databases) lands there, and this listener empties it when
 * the test JVM's session ends, so a run leaves nothing in {@code /tmp} and nothing from an earlier,
 * killed run is read as state. Outside the build (an IDE run without the property) it does nothing:
 * it never deletes a shared temporary directory.
 */
public final class TestTempDirs implements LauncherSessionListener {

  /** Set by the build to the per-run temporary directory; its content is removed at the end. */
  static final String ROOT_PROPERTY = "test-tmp-root";

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    root()
        .ifPresent(
            root -> {
              try {
                empty(root); // leftovers of a run that was killed before it could clean up
                Files.createDirectories(root);
              } catch (IOException e) {
                throw new IllegalStateException("cannot prepare test temp dir " + root, e);
              }
            });
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    root()
        .ifPresent(
            root -> {
              try {
                empty(root);
              } catch (IOException e) {
                System.err.println("[TestTempDirs] could not remove all of " + root + ": " + e);
              }
            });
  }

  private static Optional<Path> root() {
    String configured = System.getProperty(ROOT_PROPERTY);
    if (configured == null || configured.isBlank()) {
      return Optional.empty();
    }
    Path root = Path.of(configured).toAbsolutePath().normalize();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
    // Only the directory the build made for this run, never /tmp itself or anything above target/.
    if (!root.equals(tmp) || !root.toString().contains("/target/")) {
      return Optional.empty();
    }
    return Optional.of(root);
  }

  static void empty(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // removed by its own test meanwhile
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (!dir.equals(root)) {
              Files.deleteIfExists(dir);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
