package io.sylvan.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The package manager a Node.js project uses, detected from its lockfile, with the install command
 * that installs exactly what the lockfile says (never updates it).
 */
public enum PackageManager {
  /** npm-shrinkwrap.json wins over package-lock.json in npm itself. */
  NPM_SHRINKWRAP("npm-shrinkwrap.json", "npm", List.of("npm", "ci")),
  NPM("package-lock.json", "npm", List.of("npm", "ci")),
  YARN("yarn.lock", "yarn", List.of("yarn", "install", "--frozen-lockfile")),
  PNPM("pnpm-lock.yaml", "pnpm", List.of("pnpm", "install", "--frozen-lockfile"));

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String lockfile;
  private final String executable;
  private final List<String> installArgv;

  PackageManager(String lockfile, String executable, List<String> installArgv) {
    this.lockfile = lockfile;
    this.executable = executable;
    this.installArgv = installArgv;
  }

  /** The lockfile's name, e.g. {@code package-lock.json}. */
  public String lockfile() {
    return lockfile;
  }

  /** The program that must be on the PATH: {@code npm}, {@code yarn} or {@code pnpm}. */
  public String executable() {
    return executable;
  }

  /** The frozen-lockfile install command, e.g. {@code [npm, ci]}. */
  public List<String> installArgv() {
    return installArgv;
  }

  /**
   * The package manager of the project in {@code dir}, or empty when it has no lockfile (an install
   * without a lockfile is not reproducible). When several lockfiles exist, the {@code
   * packageManager} field of package.json (corepack's) decides; otherwise the order of this enum.
   */
  public static Optional<PackageManager> detect(Path dir) {
    List<PackageManager> present =
        List.of(values()).stream()
            .filter(pm -> Files.isRegularFile(dir.resolve(pm.lockfile)))
            .toList();
    if (present.size() > 1) {
      Optional<String> declared = declaredPackageManager(dir);
      for (PackageManager pm : present) {
        if (declared.isPresent() && declared.get().startsWith(pm.executable + "@")) {
          return Optional.of(pm);
        }
      }
    }
    return present.stream().findFirst();
  }

  /**
   * The package manager a tree with these top-level file names needs (read from git before any
   * checkout); the enum's order decides between several lockfiles.
   */
  public static Optional<PackageManager> fromFileNames(java.util.Collection<String> names) {
    return List.of(values()).stream().filter(pm -> names.contains(pm.lockfile)).findFirst();
  }

  /** {@code <executable> --version}, or empty when it is not installed or fails. */
  public Optional<String> version(CommandRunner runner) {
    return ToolVersions.read(runner, executable, Duration.ofSeconds(30)).filter(v -> !v.isEmpty());
  }

  private static Optional<String> declaredPackageManager(Path dir) {
    Path packageJson = dir.resolve("package.json");
    if (!Files.isRegularFile(packageJson)) {
      return Optional.empty();
    }
    try {
      JsonNode field = JSON.readTree(packageJson.toFile()).path("packageManager");
      return field.isTextual() ? Optional.of(field.asText()) : Optional.empty();
    } catch (IOException e) {
      // A broken package.json fails the install step with a clearer message than ours.
      return Optional.empty();
    }
  }
}
