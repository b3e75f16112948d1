package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecDefaults.*;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads {@code apiVersion: sylvan.io/v1} / {@code kind: AppDeployment} spec files.
 *
 * <p>The YAML is composed into a node tree with SnakeYAML's safe settings (no object construction,
 * no custom tags, limits on size, aliases and nesting) and bound by hand, so that every error
 * carries the line and column of the node it is about. All errors of a file are collected, not just
 * the first. Stateless and thread-safe; needs no CDI, so a command-line tool can use it too.
 */
public final class SpecParser {

  private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{40}");
  private static final Pattern ENVIRONMENT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})([KMG])");
  private static final Set<Tag> ALLOWED_TAGS =
      Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP, Tag.MAP, Tag.SEQ);

  /** {@code <transport>::<address>}: git hands such a URL to {@code git-remote-<transport>}. */
  private static final Pattern REMOTE_HELPER = Pattern.compile("([A-Za-z0-9][A-Za-z0-9+.-]*)::.*");

  /** Ports below this one need root (or a capability) to bind. */
  static final int FIRST_UNPRIVILEGED_PORT = 1024;

  private final Map<Integer, String> reservedPorts;
  private final EstablishedEnvironments established;

  /**
   * A parser that knows of no ports taken by the operator and of no running environment (e.g. for
   * {@code sylvanctl}): collisions are decided by file name order.
   */
  public SpecParser() {
    this(Map.of(), List::of);
  }

  /**
   * @param reservedPorts ports an app must not use, each with what holds it (e.g. {@code 8080} to
   *     {@code "the operator's HTTP port (quarkus.http.port)"})
   * @param established the environments that already run, which win a collision
   */
  public SpecParser(Map<Integer, String> reservedPorts, EstablishedEnvironments established) {
    this.reservedPorts = Map.copyOf(reservedPorts);
    this.established = established;
  }

  /**
   * Parses one spec file.
   *
   * @param fileName the file name used in messages; its base name without {@code .yaml}/{@code
   *     .yml} must equal {@code metadata.environment}
   * @param content the file's text
   */
  public SpecParseResult parse(String fileName, String content) {
    Binder binder = new Binder(fileName, reservedPorts);
    if (content.length() > MAX_FILE_BYTES
        || content.getBytes(StandardCharsets.UTF_8).length > MAX_FILE_BYTES) {
      binder.errorAt(
          1, 1, SpecError.FILE, "the file is larger than " + MAX_FILE_BYTES / 1024 + " KiB");
      return binder.result(null);
    }
    Node root;
    try {
      root = newYaml().compose(new StringReader(content));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      // getMessage() would quote the file's lines: only the short problem text is shown.
      String message = e.getProblem() != null ? e.getProblem() : "malformed YAML";
      if (e.getContext() != null) {
        message = message + " (" + e.getContext() + ")";
      }
      binder.error(mark, SpecError.YAML, message);
      return binder.result(null);
    } catch (YAMLException e) {
      // Limit violations (aliases, nesting, size) carry no position: report them on the file.
      binder.errorAt(1, 1, SpecError.FILE, describeLimit(e));
      return binder.result(null);
    }
    return binder.result(binder.bind(root));
  }

  /**
   * Parses a set of spec files into a snapshot, applying the rule that an environment must be
   * declared by exactly one file.
   *
   * @param revision the revision the files were read at
   * @param files file name to content, in the order the snapshot should list them
   */
  public SpecSnapshot parseAll(String revision, Map<String, String> files) {
    return parseAll(revision, files, Map.of());
  }

  /**
   * Parses a set of spec files into a snapshot: an environment must be declared by exactly one
   * file, and environments must not collide ({@link SpecConflicts}).
   *
   * @param revision the revision the files were read at
   * @param files file name to content, in file name order
   * @param rejected entries of the spec source that were not read, file name to why (e.g. "is a
   *     symbolic link; spec files must be regular files"); each is an invalid spec
   */
  public SpecSnapshot parseAll(
      String revision, Map<String, String> files, Map<String, String> rejected) {
    List<SpecParseResult> results = new ArrayList<>();
    for (Map.Entry<String, String> file : files.entrySet()) {
      results.add(parse(file.getKey(), file.getValue()));
    }
    for (Map.Entry<String, String> entry : rejected.entrySet()) {
      // Named by its base name, so a rejected file still counts as a claim on its environment.
      results.add(
          new SpecParseResult(
              entry.getKey(),
              baseName(entry.getKey()),
              0,
              0,
              null,
              List.of(new SpecError(entry.getKey(), 1, 1, SpecError.FILE, entry.getValue())),
              Map.of()));
    }
    results.sort(Comparator.comparing(SpecParseResult::file));
    Map<String, List<SpecParseResult>> byEnvironment = new HashMap<>();
    for (SpecParseResult result : results) {
      if (result.environment() != null) {
        byEnvironment.computeIfAbsent(result.environment(), e -> new ArrayList<>()).add(result);
      }
    }
    List<SpecParseResult> usable = new ArrayList<>();
    Map<SpecParseResult, List<SpecError>> invalid = new LinkedHashMap<>();
    for (SpecParseResult result : results) {
      List<SpecError> errors = new ArrayList<>(result.errors());
      if (result.environment() != null) {
        for (SpecParseResult other : byEnvironment.get(result.environment())) {
          if (other != result) {
            errors.add(
                new SpecError(
                    result.file(),
                    Math.max(1, result.environmentLine()),
                    Math.max(1, result.environmentColumn()),
                    "metadata.environment",
                    "environment '"
                        + result.environment()
                        + "' is also declared in "
                        + other.file()
                        + ":"
                        + other.positionOf("metadata.environment")
                        + "; each environment must be declared by exactly one file"));
          }
        }
      }
      if (errors.isEmpty()) {
        usable.add(result);
      } else {
        invalid.put(result, errors);
      }
    }
    Map<SpecParseResult, List<SpecError>> conflicts =
        SpecConflicts.find(usable, established.oldestFirst());
    Map<String, DeploySpec> valid = new LinkedHashMap<>();
    List<SpecSnapshot.InvalidSpec> problems = new ArrayList<>();
    for (SpecParseResult result : results) {
      List<SpecError> errors = invalid.get(result);
      List<SpecError> conflict = conflicts.get(result);
      String environment =
          result.environment() != null ? result.environment() : baseName(result.file());
      if (errors != null) {
        problems.add(new SpecSnapshot.InvalidSpec(environment, result.file(), errors));
      } else if (conflict != null) {
        problems.add(
            new SpecSnapshot.InvalidSpec(
                environment, result.file(), conflict, SpecSnapshot.Problem.CONFLICT));
      } else {
        valid.put(result.environment(), result.spec());
      }
    }
    return new SpecSnapshot(revision, Instant.now(), valid, problems);
  }

  /** The file name without directories and without a {@code .yaml}/{@code .yml} extension. */
  static String baseName(String fileName) {
    String name = fileName.substring(fileName.lastIndexOf('/') + 1);
    if (name.endsWith(".yaml")) {
      return name.substring(0, name.length() - 5);
    }
    return name.endsWith(".yml") ? name.substring(0, name.length() - 4) : name;
  }

  private static Yaml newYaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setNestingDepthLimit(MAX_NESTING_DEPTH);
    options.setCodePointLimit(MAX_FILE_BYTES);
    options.setAllowRecursiveKeys(false);
    options.setProcessComments(false);
    return new Yaml(new SafeConstructor(options));
  }

  private static String describeLimit(YAMLException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("aliases")) {
      return "more than "
          + MAX_ALIASES
          + " aliases to lists or mappings; aliases are limited to stop expansion bombs";
    }
    if (message.contains("Nesting Depth")) {
      return "nested deeper than " + MAX_NESTING_DEPTH + " levels";
    }
    if (message.contains("exceeds the limit")) {
      return "the file is larger than " + MAX_FILE_BYTES / 1024 + " KiB";
    }
    return "unreadable YAML: " + Excerpt.plain(message.lines().findFirst().orElse(""));
  }

  /** Thrown by value converters; the message is shown to the user. */
  private static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  @FunctionalInterface
  private interface Converter<T> {
    T convert(String text) throws Invalid;
  }

  /** Binds one file's node tree, collecting errors. */
  private static final class Binder {
    private final String file;
    private final Map<Integer, String> reservedPorts;
    private final List<SpecError> errors = new ArrayList<>();
    private final Map<String, SpecParseResult.Position> positions = new HashMap<>();
    private String environment;
    private Mark environmentMark;

    Binder(String file, Map<Integer, String> reservedPorts) {
      this.file = file;
      this.reservedPorts = reservedPorts;
    }

    void error(Mark mark, String field, String message) {
      errorAt(mark.getLine() + 1, mark.getColumn() + 1, field, message);
    }

    void errorAt(int line, int column, String field, String message) {
      // The field path holds the file's keys, which may be anything in a file that is no spec.
      errors.add(new SpecError(file, line, column, Excerpt.plain(field), message));
    }

    SpecParseResult result(DeploySpec spec) {
      errors.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
      boolean ok = errors.isEmpty() && spec != null;
      return new SpecParseResult(
          file,
          environment,
          environmentMark == null ? 0 : environmentMark.getLine() + 1,
          environmentMark == null ? 0 : environmentMark.getColumn() + 1,
          ok ? spec : null,
          errors,
          positions);
    }

    DeploySpec bind(Node root) {
      if (root == null) {
        errorAt(1, 1, SpecError.FILE, "the file is empty; expected an AppDeployment spec");
        return null;
      }
      if (!(root instanceof MappingNode mapping)) {
        error(
            root.getStartMark(),
            SpecError.FILE,
            "expected a mapping with apiVersion, kind, metadata and spec, got " + describe(root));
        return null;
      }
      Section top =
          new Section(mapping, "", root.getStartMark(), "apiVersion", "kind", "metadata", "spec");
      String apiVersion =
          top.string("apiVersion", true, null, v -> expect(v, DeploySpec.API_VERSION));
      String kind = top.string("kind", true, null, v -> expect(v, DeploySpec.KIND));
      DeploySpec.Metadata metadata = metadata(top.section("metadata", true, "name", "environment"));
      DeploySpec.Spec spec =
          spec(
              top.section(
                  "spec",
                  true,
                  "source",
                  "target",
                  "process",
                  "build",
                  "migrate",
                  "env",
                  "healthCheck",
                  "backup",
                  "rollback",
                  "reconcile"));
      if (!errors.isEmpty()) {
        return null;
      }
      return new DeploySpec(apiVersion, kind, metadata, spec, file);
    }

    private static String expect(String value, String expected) throws Invalid {
      if (!expected.equals(value)) {
        throw new Invalid("must be '" + expected + "', got " + Excerpt.quoted(value));
      }
      return value;
    }

    private DeploySpec.Metadata metadata(Section s) {
      String name = s.string("name", false, NAME, v -> matching(v, APP_NAME, appNameRule()));
      Node envNode = s.node("environment");
      if (envNode instanceof ScalarNode scalar && !scalar.getValue().isEmpty()) {
        environment = scalar.getValue();
        environmentMark = scalar.getStartMark();
      }
      String env = s.string("environment", true, null, this::environmentName);
      return new DeploySpec.Metadata(name, env);
    }

    private static String appNameRule() {
      return "must be a PM2 app name: letters, digits, '.', '_' and '-', at most 64 characters";
    }

    private String environmentName(String value) throws Invalid {
      matching(
          value,
          ENVIRONMENT,
          "must be a lowercase DNS-label-like name: a-z, 0-9 and '-', starting with a letter or"
              + " digit, at most 63 characters");
      String expected = baseName(file);
      if (!value.equals(expected)) {
        throw new Invalid(
            "environment '"
                + value
                + "' does not match the file name "
                + file.substring(file.lastIndexOf('/') + 1)
                + "; the file of environment '"
                + value
                + "' must be named "
                + value
                + ".yaml");
      }
      return value;
    }

    private DeploySpec.Spec spec(Section s) {
      return new DeploySpec.Spec(
          source(s.section("source", true, "repository", "commit")),
          target(s.section("target", true, "root")),
          process(
              s.section(
                  "process",
                  false,
                  "instances",
                  "port",
                  "maxMemoryRestart",
                  "script",
                  "ecosystem")),
          build(s.section("build", false, "install", "command", "timeout", "cache")),
          migrate(s),
          env(s.section("env", false, "file", "required")),
          healthCheck(
              s.section(
                  "healthCheck",
                  false,
                  "path",
                  "timeout",
                  "retries",
                  "interval",
                  "maxResponseTime",
                  "maxMemoryPercent",
                  "maxCpuPercent",
                  "expectCommit",
                  "criticalPaths")),
          backup(s.section("backup", false, "enabled", "keep")),
          rollback(s.section("rollback", false, "automatic")),
          reconcile(s.section("reconcile", false, "interval", "suspend", "mode")));
    }

    private DeploySpec.Backup backup(Section s) {
      Boolean enabled = s.bool("enabled", BACKUP_ENABLED);
      Integer keep = s.integer("keep", BACKUP_KEEP, 1, 100);
      return enabled == null || keep == null ? null : new DeploySpec.Backup(enabled, keep);
    }

    private DeploySpec.Rollback rollback(Section s) {
      Boolean automatic = s.bool("automatic", ROLLBACK_AUTOMATIC);
      return automatic == null ? null : new DeploySpec.Rollback(automatic);
    }

    private DeploySpec.Source source(Section s) {
      String repository =
          s.string(
              "repository",
              true,
              null,
              v -> {
                if (v.startsWith("-") || v.chars().anyMatch(c -> Character.isWhitespace(c))) {
                  throw new Invalid(
                      "must be a git URL or path without spaces, not starting with -");
                }
                Matcher helper = REMOTE_HELPER.matcher(v);
                if (helper.matches()) {
                  // ext:: runs an arbitrary command, fd:: reads file descriptors: never wanted.
                  throw new Invalid(
                      "'"
                          + Excerpt.plain(helper.group(1))
                          + "::' selects a git remote helper, which is not allowed (ext:: would"
                          + " run a command); use an https://, ssh://, git@host:path URL or a"
                          + " local path");
                }
                return v;
              });
      String commit =
          s.string(
              "commit",
              true,
              null,
              v -> {
                if (!COMMIT.matcher(v).matches()) {
                  throw new Invalid(
                      "must be a full commit sha of exactly 40 hex characters, got "
                          + Excerpt.quoted(v)
                          + (v.length() <= Excerpt.MAX_CHARS
                              ? " (" + v.length() + " characters)"
                              : "")
                          + "; abbreviated shas and branch names are ambiguous");
                }
                return v.toLowerCase(Locale.ROOT);
              });
      return new DeploySpec.Source(repository, commit);
    }

    private DeploySpec.Target target(Section s) {
      Path root =
          s.value(
              "root",
              true,
              null,
              v -> {
                Path path = toPath(v);
                if (!path.isAbsolute()) {
                  throw new Invalid("must be an absolute path like /srv/sylvan/production");
                }
                Path normalized = path.normalize();
                if (normalized.getNameCount() == 0) {
                  throw new Invalid("must not be the filesystem root");
                }
                return normalized;
              });
      return new DeploySpec.Target(root);
    }

    private DeploySpec.Process process(Section s) {
      Integer instances = s.integer("instances", INSTANCES, 1, 64);
      Integer port = s.integer("port", PORT, 1, 65535);
      if (port != null) {
        // The default port is checked too, at the section (or where the spec starts).
        Node given = s.node("port");
        port = checkPort(port, given != null ? given.getStartMark() : s.where, s.field("port"));
      }
      Long bytes = s.value("maxMemoryRestart", false, MAX_MEMORY_RESTART_BYTES, Binder::sizeBytes);
      String maxMemoryRestart =
          s.node("maxMemoryRestart") instanceof ScalarNode given
              ? given.getValue()
              : MAX_MEMORY_RESTART;
      String script = s.string("script", false, null, v -> relative(v, "the release directory"));
      String ecosystem =
          s.string("ecosystem", false, null, v -> relative(v, "the release directory"));
      if (script != null && ecosystem != null) {
        error(
            s.node("ecosystem").getStartMark(),
            s.field("ecosystem"),
            "set either script or ecosystem, not both: the app's own ecosystem file defines the"
                + " script itself");
      }
      return instances == null || port == null || bytes == null
          ? null
          : new DeploySpec.Process(instances, port, maxMemoryRestart, bytes, script, ecosystem);
    }

    /** A privileged port or one the operator holds is rejected; null then. */
    private Integer checkPort(int port, Mark at, String field) {
      if (port < FIRST_UNPRIVILEGED_PORT) {
        error(
            at,
            field,
            "port "
                + port
                + " is privileged (below "
                + FIRST_UNPRIVILEGED_PORT
                + "): the app would need root to bind it; use a port from "
                + FIRST_UNPRIVILEGED_PORT
                + " to 65535 and put a reverse proxy (Nginx) in front for 80/443");
        return null;
      }
      String holder = reservedPorts.get(port);
      if (holder != null) {
        error(at, field, "port " + port + " is " + holder + "; choose another port for the app");
        return null;
      }
      return port;
    }

    private static Long sizeBytes(String text) throws Invalid {
      Matcher m = SIZE.matcher(text);
      long value;
      if (m.matches()) {
        int shift =
            switch (m.group(2)) {
              case "K" -> 10;
              case "M" -> 20;
              default -> 30;
            };
        value = Long.parseLong(m.group(1)) << shift;
      } else if (text.matches("\\d{1,15}")) {
        value = Long.parseLong(text);
      } else {
        throw new Invalid(
            "expected a size like 1G, 512M or 300K (PM2's max_memory_restart notation), got "
                + Excerpt.quoted(text));
      }
      if (value <= 0) {
        throw new Invalid("must be greater than 0");
      }
      return value;
    }

    private DeploySpec.Build build(Section s) {
      String install =
          s.string(
              "install",
              false,
              INSTALL,
              v -> DeploySpec.Build.AUTO.equals(v) ? v : command("'auto' or a command", v));
      String command = s.string("command", false, BUILD_COMMAND, v -> command("a command", v));
      Duration timeout = s.duration("timeout", BUILD_TIMEOUT, Duration.ofMillis(1));
      DeploySpec.Build.Cache cache =
          s.value(
              "cache",
              false,
              BUILD_CACHE,
              v ->
                  switch (v) {
                    case "reuse" -> DeploySpec.Build.Cache.REUSE;
                    case "clean" -> DeploySpec.Build.Cache.CLEAN;
                    default ->
                        throw new Invalid("must be 'reuse' or 'clean', got " + Excerpt.quoted(v));
                  });
      return new DeploySpec.Build(install, command, timeout, cache);
    }

    private DeploySpec.Migrate migrate(Section spec) {
      Section s = spec.section("migrate", false, "command", "backupCommand", "timeout");
      if (!s.present) {
        return null;
      }
      String command = s.string("command", true, null, v -> command("a command", v));
      String backup = s.string("backupCommand", false, null, v -> command("a command", v));
      Duration timeout = s.duration("timeout", MIGRATE_TIMEOUT, Duration.ofMillis(1));
      return new DeploySpec.Migrate(command, backup, timeout);
    }

    private static String command(String expected, String value) throws Invalid {
      try {
        CommandLine.split(value);
        return value;
      } catch (IllegalArgumentException e) {
        throw new Invalid("must be " + expected + ": " + e.getMessage());
      }
    }

    private DeploySpec.Env env(Section s) {
      String file = s.string("file", false, ENV_FILE, v -> relative(v, "target.root"));
      List<String> required =
          s.strings(
              "required",
              ENV_REQUIRED,
              v ->
                  matching(
                      v,
                      ENV_VAR,
                      "must be an environment variable name: letters, digits and '_', not"
                          + " starting with a digit"));
      return new DeploySpec.Env(file, required);
    }

    private DeploySpec.HealthCheck healthCheck(Section s) {
      String path = s.string("path", false, HEALTH_PATH, Binder::urlPath);
      Duration timeout = s.duration("timeout", HEALTH_TIMEOUT, Duration.ofMillis(1));
      Integer retries = s.integer("retries", HEALTH_RETRIES, 1, 20);
      Duration interval = s.duration("interval", HEALTH_INTERVAL, Duration.ofMillis(1));
      Duration maxResponse =
          s.duration("maxResponseTime", HEALTH_MAX_RESPONSE_TIME, Duration.ofMillis(1));
      Integer memory = s.integer("maxMemoryPercent", HEALTH_MAX_MEMORY_PERCENT, 1, 100);
      Integer cpu = s.integer("maxCpuPercent", HEALTH_MAX_CPU_PERCENT, 1, 100);
      Boolean expectCommit = s.bool("expectCommit", HEALTH_EXPECT_COMMIT);
      List<String> critical = s.strings("criticalPaths", HEALTH_CRITICAL_PATHS, Binder::urlPath);
      if (retries == null || memory == null || cpu == null || expectCommit == null) {
        return null;
      }
      return new DeploySpec.HealthCheck(
          path, timeout, retries, interval, maxResponse, memory, cpu, expectCommit, critical);
    }

    private static String urlPath(String value) throws Invalid {
      if (!value.startsWith("/") || value.startsWith("//")) {
        throw new Invalid("must be a URL path starting with '/', like /api/health");
      }
      if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw new Invalid("must not contain spaces or control characters");
      }
      return value;
    }

    private DeploySpec.Reconcile reconcile(Section s) {
      Duration interval = s.duration("interval", RECONCILE_INTERVAL, MIN_RECONCILE_INTERVAL);
      Boolean suspend = s.bool("suspend", RECONCILE_SUSPEND);
      DeploySpec.Reconcile.Mode mode =
          s.value(
              "mode",
              false,
              RECONCILE_MODE,
              v ->
                  switch (v) {
                    case "enforce" -> DeploySpec.Reconcile.Mode.ENFORCE;
                    case "warn" -> DeploySpec.Reconcile.Mode.WARN;
                    default ->
                        throw new Invalid("must be 'enforce' or 'warn', got " + Excerpt.quoted(v));
                  });
      return suspend == null ? null : new DeploySpec.Reconcile(interval, suspend, mode);
    }

    private static String matching(String value, Pattern pattern, String rule) throws Invalid {
      if (!pattern.matcher(value).matches()) {
        throw new Invalid(rule + ", got " + Excerpt.quoted(value));
      }
      return value;
    }

    /** A path that must stay inside {@code base}; returned normalized. */
    private static String relative(String value, String base) throws Invalid {
      Path path = toPath(value);
      if (path.isAbsolute()) {
        throw new Invalid("must be a path relative to " + base + ", not an absolute path");
      }
      Path normalized = path.normalize();
      if (normalized.startsWith("..")) {
        throw new Invalid("'..' leads outside " + base + "; the path must stay inside it");
      }
      if (normalized.toString().isEmpty()) {
        throw new Invalid("must name a file inside " + base);
      }
      return normalized.toString();
    }

    private static Path toPath(String value) throws Invalid {
      try {
        return Path.of(value);
      } catch (InvalidPathException e) {
        throw new Invalid("is not a valid path: " + e.getReason());
      }
    }

    /** One mapping of the spec: knows its field path, its allowed keys and where it starts. */
    private final class Section {
      private final String path;
      private final Mark where;
      private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
      private final Map<String, Section> sections = new HashMap<>();
      private final boolean present;

      /** An absent section: every field takes its default. */
      Section(String path, Mark where) {
        this.path = path;
        this.where = where;
        this.present = false;
      }

      Section(MappingNode node, String path, Mark where, String... known) {
        this.path = path;
        this.where = where;
        this.present = true;
        List<String> knownKeys = List.of(known);
        for (NodeTuple tuple : node.getValue()) {
          Node keyNode = tuple.getKeyNode();
          if (!(keyNode instanceof ScalarNode scalarKey) || !allowedTag(keyNode)) {
            error(keyNode.getStartMark(), pathOr("(key)"), "keys must be plain names");
            continue;
          }
          String key = scalarKey.getValue();
          NodeTuple first = entries.get(key);
          if (first != null) {
            error(
                keyNode.getStartMark(),
                field(key),
                "duplicate key "
                    + Excerpt.quoted(key)
                    + " (first defined at line "
                    + (first.getKeyNode().getStartMark().getLine() + 1)
                    + ")");
          } else if (!knownKeys.contains(key)) {
            error(keyNode.getStartMark(), field(key), unknownKey(key, knownKeys));
          } else {
            entries.put(key, tuple);
          }
        }
      }

      private String pathOr(String fallback) {
        return path.isEmpty() ? fallback : path;
      }

      String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
      }

      /** The value node of {@code key}, or null when absent, null, or of a forbidden tag. */
      Node node(String key) {
        NodeTuple tuple = entries.get(key);
        if (tuple == null) {
          return null;
        }
        Node value = tuple.getValueNode();
        if (value.getTag().equals(Tag.NULL)) {
          return null;
        }
        if (!allowedTag(value)) {
          return null;
        }
        return value;
      }

      /**
       * A nested section. Sections are cached so that reading two fields of the same section does
       * not report its unknown keys twice; the first call's {@code known} keys apply.
       */
      Section section(String key, boolean required, String... known) {
        Section cached = sections.get(key);
        if (cached != null) {
          return cached;
        }
        Section section;
        NodeTuple tuple = entries.get(key);
        Node value = node(key);
        if (value == null) {
          if (tuple != null && !allowedTag(tuple.getValueNode())) {
            reportTag(key, tuple.getValueNode());
          } else if (required) {
            missing(key, tuple);
          }
          Mark at = tuple != null ? tuple.getKeyNode().getStartMark() : where;
          section = new Section(field(key), at);
        } else if (value instanceof MappingNode mapping) {
          section = new Section(mapping, field(key), tuple.getKeyNode().getStartMark(), known);
        } else {
          error(value.getStartMark(), field(key), "expected a mapping, got " + describe(value));
          section = new Section(field(key), tuple.getKeyNode().getStartMark());
        }
        sections.put(key, section);
        return section;
      }

      private void missing(String key, NodeTuple emptyTuple) {
        if (!present) {
          // The section itself is missing or of the wrong type, which is already reported.
          return;
        }
        if (emptyTuple != null) {
          error(emptyTuple.getKeyNode().getStartMark(), field(key), "is required but empty");
        } else {
          error(where, field(key), "is required" + (path.isEmpty() ? "" : " in " + path));
        }
      }

      private void reportTag(String key, Node value) {
        error(
            value.getStartMark(),
            field(key),
            "the tag " + value.getTag().getValue() + " is not allowed; use plain values");
      }

      /** A scalar value converted by {@code converter}; null (after an error) when invalid. */
      <T> T value(String key, boolean required, T fallback, Converter<T> converter) {
        NodeTuple tuple = entries.get(key);
        Node value = node(key);
        if (value == null) {
          if (tuple != null && !allowedTag(tuple.getValueNode())) {
            reportTag(key, tuple.getValueNode());
            return null;
          }
          if (required) {
            missing(key, tuple);
            return null;
          }
          return fallback;
        }
        if (!(value instanceof ScalarNode scalar)) {
          error(
              value.getStartMark(), field(key), "expected a single value, got " + describe(value));
          return null;
        }
        return convert(scalar, field(key), converter);
      }

      private <T> T convert(ScalarNode scalar, String field, Converter<T> converter) {
        Mark at = scalar.getStartMark();
        positions.put(field, new SpecParseResult.Position(at.getLine() + 1, at.getColumn() + 1));
        String text = scalar.getValue();
        if (text.isEmpty()) {
          error(scalar.getStartMark(), field, "must not be empty");
          return null;
        }
        try {
          return converter.convert(text);
        } catch (Invalid e) {
          error(scalar.getStartMark(), field, e.getMessage());
          return null;
        }
      }

      String string(String key, boolean required, String fallback, Converter<String> check) {
        return value(key, required, fallback, check);
      }

      Integer integer(String key, int fallback, int min, int max) {
        Node node = node(key);
        if (node instanceof ScalarNode && !node.getTag().equals(Tag.INT)) {
          error(node.getStartMark(), field(key), "expected an integer, got " + describe(node));
          return null;
        }
        return value(
            key,
            false,
            fallback,
            v -> {
              int n;
              try {
                n = Integer.parseInt(v);
              } catch (NumberFormatException e) {
                throw new Invalid("expected a decimal integer, got " + Excerpt.quoted(v));
              }
              if (n < min || n > max) {
                throw new Invalid("must be between " + min + " and " + max + ", got " + n);
              }
              return n;
            });
      }

      Boolean bool(String key, boolean fallback) {
        Node node = node(key);
        if (node instanceof ScalarNode scalar
            && !(node.getTag().equals(Tag.BOOL)
                && (scalar.getValue().equalsIgnoreCase("true")
                    || scalar.getValue().equalsIgnoreCase("false")))) {
          error(node.getStartMark(), field(key), "expected true or false, got " + describe(node));
          return null;
        }
        return value(key, false, fallback, Boolean::valueOf);
      }

      Duration duration(String key, Duration fallback, Duration min) {
        return value(
            key,
            false,
            fallback,
            v -> {
              Matcher m = DURATION.matcher(v);
              if (!m.matches()) {
                throw new Invalid(
                    "expected a duration like 5s, 500ms, 2m or 1h (a whole number and a unit), got "
                        + Excerpt.quoted(v));
              }
              long n = Long.parseLong(m.group(1));
              Duration d =
                  switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                  };
              if (d.compareTo(min) < 0) {
                throw new Invalid(
                    min.equals(Duration.ofMillis(1))
                        ? "must be greater than 0"
                        : "must be at least " + min.toSeconds() + "s, got " + v);
              }
              return d;
            });
      }

      List<String> strings(String key, List<String> fallback, Converter<String> check) {
        Node node = node(key);
        if (node == null) {
          // Absent, null or a forbidden tag: value() reports the tag and falls back otherwise.
          return value(key, false, fallback, List::of);
        }
        if (!(node instanceof SequenceNode sequence)) {
          error(node.getStartMark(), field(key), "expected a list, got " + describe(node));
          return null;
        }
        List<String> values = new ArrayList<>();
        List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
          Node item = items.get(i);
          String itemField = field(key) + "[" + i + "]";
          if (!(item instanceof ScalarNode scalar)
              || !allowedTag(item)
              || item.getTag().equals(Tag.NULL)) {
            error(item.getStartMark(), itemField, "expected a single value, got " + describe(item));
            continue;
          }
          values.add(convert(scalar, itemField, check));
        }
        return List.copyOf(values.stream().filter(v -> v != null).toList());
      }
    }

    private static boolean allowedTag(Node node) {
      return ALLOWED_TAGS.contains(node.getTag());
    }

    private static String describe(Node node) {
      if (node instanceof MappingNode) {
        return "a mapping";
      }
      if (node instanceof SequenceNode) {
        return "a list";
      }
      String value = ((ScalarNode) node).getValue();
      Function<String, String> quoted = kind -> kind + " " + Excerpt.quoted(value);
      Tag tag = node.getTag();
      if (tag.equals(Tag.INT)) {
        return quoted.apply("the integer");
      }
      if (tag.equals(Tag.FLOAT)) {
        return quoted.apply("the number");
      }
      if (tag.equals(Tag.BOOL)) {
        return quoted.apply("the boolean");
      }
      if (tag.equals(Tag.NULL)) {
        return "nothing";
      }
      if (!allowedTag(node)) {
        return "the tag " + tag.getValue();
      }
      return quoted.apply("the string");
    }

    /** "unknown key", with the closest known key when one is near enough to be a typo. */
    private static String unknownKey(String key, List<String> known) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String candidate : known) {
        int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
        if (d < bestDistance) {
          best = candidate;
          bestDistance = d;
        }
      }
      String message = "unknown key " + Excerpt.quoted(key);
      if (best != null && bestDistance <= Math.max(2, best.length() / 4)) {
        return message + "; did you mean '" + best + "'?";
      }
      return message + "; allowed keys here: " + String.join(", ", known);
    }

    /** Levenshtein distance; keys are short, so the quadratic table is fine. */
    private static int distance(String a, String b) {
      int[] previous = new int[b.length() + 1];
      int[] current = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        previous[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        current[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
          current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
        }
        int[] swap = previous;
        previous = current;
        current = swap;
      }
      return previous[b.length()];
    }
  }
}
