package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Rotation of the files under {@code <root>/logs}, logrotate style: {@code name} is renamed to
 * {@code name.1}, {@code name.1} to {@code name.2}, and so on up to {@code name.<keep>}; older ones
 * are deleted. Callers rotate only between two writes of the file's one writer (see {@link
 * DeploymentLog}), or tell the writer to reopen afterwards (PM2's {@code reloadLogs}): a rename
 * keeps the inode, so a writer still holding it loses nothing.
 */
public final class LogFiles {

  /** The settings of {@code sylvan.logs.*}, checked. */
  public record Limits(long maxSizeBytes, int keep, Duration maxAge) {
    public Limits {
      if (maxSizeBytes < 1) {
        throw new IllegalArgumentException(
            "sylvan.logs.max-size must be at least 1 byte, got " + maxSizeBytes);
      }
      if (keep < 1) {
        throw new IllegalArgumentException("sylvan.logs.keep must be at least 1, got " + keep);
      }
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("sylvan.logs.max-age must be positive, got " + maxAge);
      }
    }

    /** No rotation and no pruning: for logs written outside the operator's config (tests). */
    public static final Limits NONE = new Limits(Long.MAX_VALUE, 1, Duration.ofDays(365_000));
  }

  /** {@code deploy_20241114_143022.log.3}: a rotated file and its number. */
  private static final Pattern ROTATED = Pattern.compile(".*\\.log\\.[0-9]+");

  private LogFiles() {}

  /** Renames {@code file} to {@code file.1} after shifting the rotated ones; keeps {@code keep}. */
  public static void rotate(Path file, int keep) throws IOException {
    Files.deleteIfExists(numbered(file, keep));
    for (int i = keep - 1; i >= 1; i--) {
      Path from = numbered(file, i);
      if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(from, numbered(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      Files.move(file, numbered(file, 1), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * The whole text of a log: its rotated files oldest first ({@code name.<n>} .. {@code name.1}),
   * then {@code name}. Empty when none of them exists (pruned).
   */
  public static String readWithRotated(Path file) throws IOException {
    List<Path> parts = new ArrayList<>();
    for (int n = 1; Files.isRegularFile(numbered(file, n), LinkOption.NOFOLLOW_LINKS); n++) {
      parts.add(0, numbered(file, n));
    }
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      parts.add(file);
    }
    StringBuilder text = new StringBuilder();
    for (Path p : parts) {
      text.append(Files.readString(p, java.nio.charset.StandardCharsets.UTF_8));
    }
    return text.toString();
  }

  public static Path numbered(Path file, int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  /**
   * Deletes the regular files directly in {@code dir} that {@code eligible} accepts and that were
   * last modified before {@code now - maxAge}. Symbolic links and folders are left alone. Returns
   * what it deleted; a missing {@code dir} is nothing to do.
   */
  public static List<Path> pruneOlderThan(
      Path dir, Duration maxAge, Instant now, Predicate<Path> eligible) throws IOException {
    List<Path> deleted = new ArrayList<>();
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return deleted;
    }
    Instant cutoff = now.minus(maxAge);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || !eligible.test(f)) {
          continue;
        }
        if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(f);
          deleted.add(f);
        }
      }
    }
    return deleted;
  }

  /** A rotated file: {@code <name>.log.<n>}. */
  public static boolean isRotated(Path file) {
    return ROTATED.matcher(file.getFileName().toString()).matches();
  }
}
