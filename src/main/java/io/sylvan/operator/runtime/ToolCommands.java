package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * The command lines for tools other than git and pm2 (node, npm, cp), as pure functions returning
 * the argv.
 */
public final class ToolCommands {

  private ToolCommands() {}

  /** {@code <tool> --version}: node, npm, yarn, pnpm, git. */
  public static List<String> version(String tool) {
    return List.of(tool, "--version");
  }

  /** Installs {@code pkg} (e.g. {@code pm2@7.0.4}) under {@code prefix}, not globally. */
  public static List<String> npmInstall(Path prefix, String pkg) {
    return List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix.toString(), pkg);
  }

  /** A copy of the tree {@code from} as hard links: instant, and no extra space. */
  public static List<String> copyHardLinked(Path from, Path to) {
    return List.of("cp", "-al", from.toString(), to.toString());
  }

  /**
   * A real copy of the tree {@code from} (reflinked where the file system can) that keeps the
   * files' times, which build caches compare.
   */
  public static List<String> copyKeepingTimes(Path from, Path to) {
    return List.of(
        "cp", "-R", "--preserve=timestamps", "--reflink=auto", from.toString(), to.toString());
  }
}
