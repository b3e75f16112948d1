package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real git repository of the Next.js fixture app ({@code fixtures/next-app}: app router, {@code
 * /api/health} reporting {@code SYLVAN_COMMIT}), made by the test. next, react and react-dom are
 * pinned in the fixture's package.json; the lockfile is resolved from npm once with {@code npm
 * install --package-lock-only} and kept in {@code target/next-fixture/} for later runs (keyed by
 * package.json). node_modules is not installed here: the operator's install step does that on the
 * first deployment, for real.
 */
public final class NextAppRepo {

  static final List<String> FILES =
      List.of(
          "package.json",
          "next.config.js",
          "app/layout.js",
          "app/page.js",
          "app/api/health/route.js");
  private static final Path LOCK_CACHE = Path.of("target", "next-fixture");

  private final Path dir;

  private NextAppRepo(Path dir) {
    this.dir = dir;
  }

  /** Creates the repository with the fixture and its lockfile as the first commit. */
  public static NextAppRepo create(Path dir) {
    try {
      for (String f : FILES) {
        Path to = dir.resolve(f);
        Files.createDirectories(to.getParent());
        try (InputStream in = NextAppRepo.class.getResourceAsStream("/fixtures/next-app/" + f)) {
          Files.copy(in, to);
        }
      }
      return init(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The same from another app's sources on disk (e.g. the Next 12 pages-router app of {@code
   * bench/zero-downtime/next12-pages}), without its node_modules and build output.
   */
  public static NextAppRepo createFrom(Path dir, Path source) {
    try (var files = Files.walk(source)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path rel = source.relativize(f);
        if (rel.startsWith("node_modules") || rel.startsWith(".next")) {
          continue;
        }
        Files.createDirectories(dir.resolve(rel).getParent());
        Files.copy(f, dir.resolve(rel));
      }
      return init(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static NextAppRepo init(Path dir) {
    try {
      Files.writeString(dir.resolve(".gitignore"), "node_modules/\n.next/\n.env*\n");
      NextAppRepo repo = new NextAppRepo(dir);
      repo.lockfile();
      RepoCommands.init(dir);
      repo.commit("Next.js fixture");
      return repo;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Changes a harmless file so the next commit differs while the lockfile does not. */
  public String commitChange(String message) throws IOException {
    Files.writeString(dir.resolve("CHANGES.txt"), message + "\n", StandardCharsets.UTF_8);
    return commit(message);
  }

  /** Commits everything and returns the full sha. */
  public String commit(String message) {
    return RepoCommands.commit(dir, message);
  }

  private void lockfile() throws IOException {
    Path lock = dir.resolve("package-lock.json");
    String key = Hashes.sha256(dir.resolve("package.json")).substring(0, 16);
    Path cached = LOCK_CACHE.resolve("package-lock-" + key + ".json");
    if (Files.isRegularFile(cached)) {
      Files.copy(cached, lock);
      return;
    }
    RepoCommands.run(dir, "npm", "install", "--package-lock-only", "--no-audit", "--no-fund");
    Files.createDirectories(LOCK_CACHE);
    Files.copy(lock, cached);
  }
}
