package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every pm2 command line the operator runs, as pure functions returning the argv. {@link Pm2} adds
 * what is not part of the line: {@code PM2_HOME}, the environment, the working directory.
 */
public final class Pm2Commands {

  private final String pm2;

  /** Command lines for the pm2 executable {@code pm2} (a name on the PATH or a path). */
  public Pm2Commands(String pm2) {
    this.pm2 = pm2;
  }

  /** All processes as JSON. */
  public List<String> jlist() {
    return argv("jlist");
  }

  /** Starts {@code app} from the ecosystem file, or reloads it with the caller's environment. */
  public List<String> startOrReload(Path ecosystemFile, String app) {
    return argv("startOrReload", absolute(ecosystemFile), "--only", app, "--update-env");
  }

  /** Starts {@code app} from the ecosystem file. */
  public List<String> start(Path ecosystemFile, String app) {
    return argv("start", absolute(ecosystemFile), "--only", app);
  }

  /** Reloads {@code app} one instance after another, with the caller's environment. */
  public List<String> reload(String app) {
    return argv("reload", app, "--update-env");
  }

  /** Reloads {@code parallel} instances of {@code app} at once. */
  public List<String> reloadAll(String app, int parallel) {
    return argv("reload", app, "--update-env", "--parallel", Integer.toString(parallel));
  }

  /** Adds or removes cluster instances until {@code app} has {@code instances}. */
  public List<String> scale(String app, int instances) {
    return argv("scale", app, Integer.toString(instances));
  }

  public List<String> delete(String app) {
    return argv("delete", app);
  }

  public List<String> stop(String app) {
    return argv("stop", app);
  }

  /** Stops every app and the daemon. */
  public List<String> kill() {
    return argv("kill");
  }

  /** The daemon reopens every app's log files (after they were renamed by a rotation). */
  public List<String> reloadLogs() {
    return argv("reloadLogs");
  }

  public List<String> version() {
    return argv("--version");
  }

  private static String absolute(Path file) {
    return file.toAbsolutePath().toString();
  }

  private List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(args.length + 1);
    argv.add(pm2);
    argv.addAll(List.of(args));
    return List.copyOf(argv);
  }
}
