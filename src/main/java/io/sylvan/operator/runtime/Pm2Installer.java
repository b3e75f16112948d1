package io.sylvan.operator.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Finds the pm2 executable, and when the configured one is the plain name {@code pm2} and none is
 * on the PATH, installs the tested PM2 version with npm under the operator's data directory, so a
 * fresh machine with Node and npm needs no global install.
 */
public final class Pm2Installer {

  /** The PM2 version the operator is tested with. */
  public static final String VERSION = "7.0.4";

  private static final Logger LOG = Logger.getLogger(Pm2Installer.class);

  private Pm2Installer() {}

  /** The command to run: the configured one if runnable, else a local install under toolsDir. */
  public static String resolve(CommandRunner runner, String configured, Path toolsDir) {
    if (!"pm2".equals(configured) || onPath("pm2").isPresent()) {
      return configured;
    }
    return install(runner, toolsDir).toString();
  }

  /** {@code <prefix>/node_modules/.bin/pm2}, installed with npm unless it is there already. */
  public static Path install(CommandRunner runner, Path prefix) {
    Path toolsDir = prefix.toAbsolutePath();
    Path local = toolsDir.resolve("node_modules").resolve(".bin").resolve("pm2");
    if (Files.isExecutable(local)) {
      return local;
    }
    LOG.infof("installing pm2@%s under %s", VERSION, toolsDir);
    CommandResult r =
        runner.run(
            Command.builder(ToolCommands.npmInstall(toolsDir, "pm2@" + VERSION))
                .removeEnv(InheritedEnv.toDrop())
                .timeout(Duration.ofMinutes(5))
                .build());
    if (!r.ok() || !Files.isExecutable(local)) {
      throw new CommandException(
          "pm2 is not installed and installing pm2@"
              + VERSION
              + " with npm failed: "
              + r.tail(500));
    }
    return local;
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir).resolve(name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
