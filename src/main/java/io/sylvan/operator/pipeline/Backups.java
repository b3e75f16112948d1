package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.ToolVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code <root>/backups/backup_<yyyyMMdd_HHmmss>/} as the seed lays it out: {@code metadata.json},
 * {@code .env.local}, the lockfile, and a reference to the serving release (releases are kept on
 * disk, so the reference replaces the seed's copy of {@code .next}). Folders 700, env file 600.
 */
public final class Backups {

  public static final String METADATA = "metadata.json";
  public static final String RELEASE_REF = "release";

  /** A hand-managed env file, in plain text (mode 600): when the node has no age identity. */
  public static final String ENV_COPY = ".env.local";

  /** A hand-managed env file encrypted to the node's age recipient. */
  public static final String ENV_COPY_ENCRYPTED = ".env.local.age";

  /** The serving release's encrypted env file (spec.env.encryptedFile), as it came from git. */
  public static final String ENV_SOURCE = "env.age";

  /** SHA-256 of that file and of its content, never the content. */
  public static final String ENV_HASHES = "env.sha256";

  public static final Duration MAX_AGE = Duration.ofDays(7);
  static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");
  static final List<String> LOCKFILES =
      List.of("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  public Backups(Path root) {
    this.dir = root.resolve("backups");
  }

  public Path dir() {
    return dir;
  }

  Path create(DeploymentContext ctx) throws IOException {
    createPrivateDir(dir);
    String base = "backup_" + LocalDateTime.now().format(TS);
    Path backup = dir.resolve(base);
    for (int i = 1; Files.exists(backup); i++) {
      backup = dir.resolve(base + "-" + i);
    }
    createPrivateDir(backup);
    Optional<Path> serving = ctx.servingRelease();
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    meta.put("gitCommit", ctx.servingCommit().orElse(null));
    meta.put("version", serving.map(CheckoutStep::readVersion).orElse(null));
    meta.put("nodeVersion", toolVersion(ctx, "node"));
    meta.put("npmVersion", toolVersion(ctx, "npm"));
    meta.put("environment", ctx.environment());
    meta.put("targetCommit", ctx.commit());
    meta.put("release", serving.map(Path::toString).orElse(null));
    JSON.writeValue(backup.resolve(METADATA).toFile(), meta);

    backUpEnv(ctx, backup, serving);
    if (serving.isPresent()) {
      for (String lock : LOCKFILES) {
        Path lf = serving.get().resolve(lock);
        if (Files.isRegularFile(lf)) {
          Files.copy(lf, backup.resolve(lock), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.writeString(backup.resolve(RELEASE_REF), serving.get() + "\n");
    }
    return backup;
  }

  /**
   * Never the plaintext of an encrypted env file: its encrypted copy and hashes. A hand-managed env
   * file is encrypted to the node's recipient when the node has an identity, else copied with mode
   * 600 (docs/secrets.md says so).
   */
  private static void backUpEnv(DeploymentContext ctx, Path backup, Optional<Path> serving)
      throws IOException {
    if (ctx.s().env().encrypted()) {
      if (serving.isPresent()) {
        for (String[] f :
            List.of(
                new String[] {EnvSecrets.RELEASE_ENV_SOURCE, ENV_SOURCE},
                new String[] {EnvSecrets.RELEASE_ENV_HASHES, ENV_HASHES})) {
          Path from = serving.get().resolve(f[0]);
          if (Files.isRegularFile(from)) {
            Files.copy(from, backup.resolve(f[1]), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return;
    }
    Path envFile = ctx.envFile();
    if (!Files.isRegularFile(envFile)) {
      return;
    }
    EnvSecrets secrets = ctx.tools().secrets();
    if (secrets.identity().isPresent()) {
      try {
        String recipient = secrets.age().recipient(secrets.identity().get());
        secrets.age().encrypt(recipient, envFile, backup.resolve(ENV_COPY_ENCRYPTED));
        return;
      } catch (Age.AgeException e) {
        // No plaintext fallback when the node means to encrypt: the backup fails instead.
        throw new IOException(e.getMessage());
      }
    }
    Path copy = backup.resolve(ENV_COPY);
    Files.copy(envFile, copy, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
  }

  /** The newest backup whose metadata names {@code commit} as the serving one. */
  public Optional<Path> latestFor(String commit) {
    return list().stream().filter(b -> commit.equals(commitOf(b))).findFirst();
  }

  /** Backups, newest first. */
  public List<Path> list() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("backup_"))
          .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * The seed's cleanup_old_backups with a count as well: keeps the newest {@code keep} and nothing
   * older than 7 days, but never a backup of a commit in {@code protectedCommits} (the current and
   * the last good one).
   */
  public List<Path> prune(int keep, Collection<String> protectedCommits) throws IOException {
    List<Path> deleted = new ArrayList<>();
    Instant cutoff = Instant.now().minus(MAX_AGE);
    List<Path> all = list();
    for (int i = 0; i < all.size(); i++) {
      Path b = all.get(i);
      String commit = commitOf(b);
      if (commit != null && protectedCommits.contains(commit)) {
        continue;
      }
      FileTime modified = Files.getLastModifiedTime(b);
      if (i >= keep || modified.toInstant().isBefore(cutoff)) {
        FileTrees.delete(b);
        deleted.add(b);
      }
    }
    return deleted;
  }

  static String commitOf(Path backup) {
    try {
      var node = JSON.readTree(backup.resolve(METADATA).toFile()).get("gitCommit");
      return node == null || node.isNull() ? null : node.asText();
    } catch (IOException e) {
      return null;
    }
  }

  private static void createPrivateDir(Path p) throws IOException {
    Files.createDirectories(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
  }

  private static String toolVersion(DeploymentContext ctx, String tool) {
    return ToolVersions.read(ctx.tools().runner(), tool, Duration.ofSeconds(20))
        .map(v -> v.replaceFirst("^v", ""))
        .orElse(null);
  }
}
