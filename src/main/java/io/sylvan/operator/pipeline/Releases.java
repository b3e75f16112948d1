package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The release directories of one environment ({@code <root>/releases/<yyyyMMddHHmmss>_<sha12>}) and
 * the {@code current} symlink that names the serving one. Each release holds a {@code REVISION}
 * file with its full commit, as Capistrano does.
 */
public final class Releases {

  public static final String REVISION_FILE = "REVISION";
  static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private final Path root;

  public Releases(Path root) {
    this.root = root;
  }

  public Path dir() {
    return root.resolve("releases");
  }

  public Path currentLink() {
    return root.resolve("current");
  }

  /** A fresh, not yet existing release directory for {@code commit}. */
  public Path newReleaseDir(String commit) {
    String base = LocalDateTime.now().format(TS) + "_" + Commits.short12(commit);
    Path p = dir().resolve(base);
    for (int i = 1; Files.exists(p, LinkOption.NOFOLLOW_LINKS); i++) {
      p = dir().resolve(base + "-" + i);
    }
    return p;
  }

  /** The serving release, if {@code current} points at an existing release. */
  public Optional<Path> current() {
    Path link = currentLink();
    if (!Files.isSymbolicLink(link)) {
      return Optional.empty();
    }
    try {
      Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
      return Files.isDirectory(target) ? Optional.of(target) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static Optional<String> revision(Path release) {
    try {
      String s = Files.readString(release.resolve(REVISION_FILE), StandardCharsets.UTF_8).trim();
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Built releases, newest first (a release counts once it holds its REVISION file). */
  public List<Path> list() {
    if (!Files.isDirectory(dir())) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(Files::isDirectory)
          .filter(p -> Files.isRegularFile(p.resolve(REVISION_FILE)))
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The newest release of {@code commit} that finished building, if one is on disk. */
  public Optional<Path> forCommit(String commit) {
    return list().stream()
        .filter(p -> revision(p).map(commit::equals).orElse(false))
        .filter(p -> Files.exists(p.resolve(BUILT_MARKER)))
        .findFirst();
  }

  /**
   * Tells the launcher's workers still running {@code release} to stop accepting at once when PM2
   * replaces them, instead of serving through the drain: used when rolling back from it.
   */
  public static void markFastDrain(Path release) {
    try {
      Files.writeString(release.resolve(FAST_DRAIN_MARKER), "rolled back\n");
    } catch (IOException e) {
      // Only speed is lost: the workers drain as usual.
    }
  }

  static final String FAST_DRAIN_MARKER = ".sylvan-fast-drain";

  /** Written after a successful build: a release without it is never switched to. */
  public static final String BUILT_MARKER = ".sylvan-built";

  /**
   * Points {@code current} at {@code release} atomically: a temporary symlink renamed over the old
   * one, so there is never a moment without a {@code current}.
   */
  public void switchTo(Path release) throws IOException {
    Path link = currentLink();
    Path tmp = root.resolve(".current.tmp-" + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, root.relativize(release));
    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Deletes old releases beyond the newest {@code keep}, never one in {@code protect} (current,
   * last good, the one being deployed). Returns what it deleted.
   */
  public List<Path> prune(int keep, Collection<Path> protect) throws IOException {
    List<Path> all = list();
    List<Path> deleted = new ArrayList<>();
    List<Path> keepSet = protect.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    for (int i = keep; i < all.size(); i++) {
      Path p = all.get(i).toAbsolutePath().normalize();
      if (!keepSet.contains(p)) {
        FileTrees.delete(p);
        deleted.add(p);
      }
    }
    return deleted;
  }
}
