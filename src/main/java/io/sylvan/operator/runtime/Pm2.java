package io.sylvan.operator.runtime;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client for the {@code pm2} command line.
 *
 * <p><b>PM2 exits 0 on many failures</b> (a reload that prints {@code [PM2][ERROR]}, an app that
 * crash-loops right after start), so a zero exit code proves nothing: after every start or reload
 * callers must verify with {@link #jlist()} (status, {@code unstable_restarts}, {@code pm_cwd}, the
 * {@code SYLVAN_COMMIT} env) and over HTTP. PM2 keeps a process's cwd and script from when it was
 * started, so reloading after a {@code current} symlink switch may keep serving the old release.
 *
 * <p>Every command gets {@code PM2_HOME} when one is configured, so the operator (and every test)
 * talks to its own daemon and never to a user's {@code ~/.pm2}. Note that PM2 copies the calling
 * process's whole environment into an app it starts; callers should pass what the app needs in
 * {@code env} and keep the operator's own secrets out of its environment.
 */
public class Pm2 {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, true);
  private static final Pattern VERSION = Pattern.compile("(?m)^\\s*(\\d+\\.\\d+\\.\\d+\\S*)\\s*$");

  private final CommandRunner runner;
  private final String pm2Command;
  private final Pm2Commands commands;
  private final Optional<Path> pm2Home;

  public Pm2(CommandRunner runner, String pm2Command, Optional<Path> pm2Home) {
    this.runner = runner;
    this.pm2Command = pm2Command;
    this.commands = new Pm2Commands(pm2Command);
    this.pm2Home = pm2Home;
  }

  /** All processes the daemon knows (starting the daemon if it is not running). */
  /** The pm2 executable this client runs. */
  public String command() {
    return pm2Command;
  }

  public List<Pm2Process> jlist() {
    CommandResult result = run(commands.jlist(), DEFAULT_TIMEOUT, Map.of(), null);
    if (!result.ok()) {
      throw new Pm2Exception(result.describe());
    }
    return parseJlist(result.output());
  }

  /**
   * {@code pm2 startOrReload <file> --only <app> --update-env}: starts the app if PM2 does not know
   * it, otherwise reloads it (zero-downtime in cluster mode). Runs in the ecosystem file's
   * directory so relative paths in it resolve the same way every time. With an ecosystem file PM2
   * takes a known app's variables from the file's {@code env} block, not from the caller (measured
   * with pm2 7.0.4), so the file must read them, e.g. {@code SYLVAN_COMMIT:
   * process.env.SYLVAN_COMMIT}.
   */
  public CommandResult startOrReload(
      Path ecosystemFile, String appName, Map<String, String> env, Duration timeout) {
    return runEcosystem(
        commands.startOrReload(ecosystemFile, appName), ecosystemFile, env, timeout);
  }

  /** {@code pm2 reload <app> --update-env} with {@code env} added to PM2's environment. */
  public CommandResult reload(String appName, Map<String, String> env, Duration timeout) {
    return run(commands.reload(appName), timeout, env, null);
  }

  /**
   * {@code pm2 reload <app> --update-env --parallel <n>}: every instance at once. For a rollback,
   * where getting off a bad release fast matters more than keeping its workers serving.
   */
  public CommandResult reloadAll(
      String appName, Map<String, String> env, int parallel, Duration timeout) {
    return run(commands.reloadAll(appName, parallel), timeout, env, null);
  }

  /** {@code pm2 scale <app> <n>}: adds or removes cluster instances. */
  public CommandResult scale(String appName, int instances, Duration timeout) {
    return run(commands.scale(appName, instances), timeout, Map.of(), null);
  }

  /** {@code pm2 start <file> --only <app>}, in the ecosystem file's directory. */
  public CommandResult start(
      Path ecosystemFile, String appName, Map<String, String> env, Duration timeout) {
    return runEcosystem(commands.start(ecosystemFile, appName), ecosystemFile, env, timeout);
  }

  public CommandResult delete(String appName) {
    return run(commands.delete(appName), DEFAULT_TIMEOUT, Map.of(), null);
  }

  public CommandResult stop(String appName) {
    return run(commands.stop(appName), DEFAULT_TIMEOUT, Map.of(), null);
  }

  /** {@code pm2 kill}: stops every app and the daemon of this {@code PM2_HOME}. */
  public CommandResult killDaemon() {
    return run(commands.kill(), DEFAULT_TIMEOUT, Map.of(), null);
  }

  /** {@code pm2 reloadLogs}: the daemon reopens the apps' log files at their configured paths. */
  public CommandResult reloadLogs() {
    return run(commands.reloadLogs(), DEFAULT_TIMEOUT, Map.of(), null);
  }

  /**
   * The PM2 version, e.g. {@code 7.0.4}. Beware: with a fresh {@code PM2_HOME} even this spawns the
   * daemon (and prints a banner first, which is skipped).
   */
  public String version() {
    CommandResult result = run(commands.version(), DEFAULT_TIMEOUT, Map.of(), null);
    Matcher m = VERSION.matcher(result.output());
    String version = null;
    while (m.find()) {
      version = m.group(1);
    }
    if (!result.ok() || version == null) {
      throw new Pm2Exception("cannot read the PM2 version: " + result.describe());
    }
    return version;
  }

  /**
   * Parses {@code pm2 jlist} output. PM2 may print text before the JSON (the banner and "Spawning
   * PM2 daemon" lines when the daemon starts, "In-memory PM2 is out-of-date" warnings), some of it
   * starting with {@code [}, so each {@code [} is tried in turn until one starts a JSON array.
   */
  public static List<Pm2Process> parseJlist(String output) {
    for (int i = output.indexOf('['); i >= 0; i = output.indexOf('[', i + 1)) {
      JsonNode array;
      try (JsonParser parser = JSON.createParser(output.substring(i))) {
        array = JSON.readTree(parser);
      } catch (JsonProcessingException e) {
        continue;
      } catch (IOException e) {
        throw new Pm2Exception("cannot read pm2 jlist output", e);
      }
      if (array != null && array.isArray() && looksLikeProcessList(array)) {
        List<Pm2Process> processes = new ArrayList<>();
        array.forEach(node -> processes.add(Pm2Process.fromJson(node)));
        return processes;
      }
    }
    throw new Pm2Exception("no JSON process list in pm2 jlist output: " + tail(output));
  }

  /** Guards against a bracketed fragment of the prefix text that happens to be valid JSON. */
  private static boolean looksLikeProcessList(JsonNode array) {
    for (JsonNode element : array) {
      if (!element.isObject() || !element.has("pm2_env")) {
        return false;
      }
    }
    return true;
  }

  private static String tail(String output) {
    return output.length() <= 500 ? output : output.substring(output.length() - 500);
  }

  /** Runs in the ecosystem file's directory so relative paths in it resolve the same way. */
  private CommandResult runEcosystem(
      List<String> argv, Path ecosystemFile, Map<String, String> env, Duration timeout) {
    return run(argv, timeout, env, ecosystemFile.toAbsolutePath().getParent());
  }

  private CommandResult run(
      List<String> argv, Duration timeout, Map<String, String> env, Path workingDir) {
    Command.Builder command =
        Command.builder(argv)
            .timeout(timeout)
            .workingDir(workingDir)
            .env(env)
            // Colour codes would end up in deployment logs and error messages.
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            // PM2 hands the caller's whole environment to the daemon and the apps: the
            // operator's own secrets (datasource password, API token) must not travel along.
            .removeEnv(InheritedEnv.toDrop());
    pm2Home.ifPresent(home -> command.env("PM2_HOME", home.toString()));
    return runner.run(command.build());
  }
}
