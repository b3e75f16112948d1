package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.runtime.Command;
import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.InheritedEnv;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.BuildIdSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One build identity per commit for a Next.js release. Next's default build id is a random nanoid
 * per build (12-15; 16 uses a constant once a deployment id is set), so two builds of one commit
 * disagree on {@code /_next/static/<buildId>/...}. Unless the app's next.config sets its own {@code
 * generateBuildId}, the app's config is renamed to {@code next.config.sylvan-app.<ext>} in the
 * release directory only (a build directory, never committed back) and a wrapper that re-exports it
 * with {@code generateBuildId: () => <commit>} takes its place: {@code next.config.mjs}, or {@code
 * next.config.ts} around a TypeScript config (only a config Next transpiles can import one). Next
 * has no CLI flag for the config path. The wrapper is loaded before the build as Next loads it; one
 * that does not give the commit is removed and the app's config put back (source {@code next}, with
 * a warning). The deployment id ({@code NEXT_DEPLOYMENT_ID}, read by Next 14.2+; 13.4-14.1 only
 * with {@code experimental.useDeploymentId}) is the commit too, for the build and the process,
 * unless the app's config names another one (Next 14.2+ lets the variable override the config,
 * which would split build and app).
 */
final class NextBuildIdentity {

  /** The app's own config in the release after the wrapper took its name. */
  static final String APP_CONFIG_BASE = "next.config.sylvan-app";

  static final String WRAPPER = "next.config.mjs";

  /** The wrapper of a TypeScript config: Next transpiles it and the app's config it imports. */
  static final String TS_WRAPPER = "next.config.ts";

  /**
   * Where the build wrote its output ({@code distDir}), for the launcher; absent: {@code .next}.
   */
  static final String DIST_DIR_FILE = ".sylvan-dist-dir";

  static final String DEFAULT_DIST_DIR = ".next";

  private static final String FIX =
      "Fix: add generateBuildId: () => process.env.SYLVAN_COMMIT to the app's next.config";

  /** The deployment id the release was built with, for the process (empty: none passed). */
  static final String DEPLOYMENT_ID_FILE = ".sylvan-deployment-id";

  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Next's config file names, in the order Next looks for them (next 16.4.6 {@code
   * shared/lib/constants.js} CONFIG_FILES; 12-14 read the first two, 15 adds {@code .ts}, and
   * {@code .mts} counts only on a Node with TypeScript support).
   */
  static final List<String> CONFIG_FILES =
      List.of("next.config.js", "next.config.mjs", "next.config.ts", "next.config.mts");

  /**
   * Names Next never reads as its config (next 16 fails the build when only one of them exists).
   */
  static final List<String> UNSUPPORTED_FILES =
      List.of(
          "next.config.cjs",
          "next.config.cts",
          "next.config.json",
          "next.config.jsx",
          "next.config.tsx");

  private static final String PROBE_MARK = "SYLVAN_NEXT_CONFIG ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private NextBuildIdentity() {}

  /**
   * What the app's next.config says, as the probe loaded it; {@code error} when it could not be
   * loaded (a TypeScript config, a missing plugin).
   */
  record NextConfig(
      String file,
      boolean generateBuildId,
      boolean deploymentIdSet,
      String deploymentId,
      String output,
      boolean imagesUnoptimized,
      String imagesLoader,
      String error,
      String distDir,
      String assetPrefix,
      String basePath,
      String buildId) {

    NextConfig(
        String file,
        boolean generateBuildId,
        boolean deploymentIdSet,
        String deploymentId,
        String output,
        boolean imagesUnoptimized,
        String imagesLoader,
        String error) {
      this(
          file,
          generateBuildId,
          deploymentIdSet,
          deploymentId,
          output,
          imagesUnoptimized,
          imagesLoader,
          error,
          null,
          null,
          null,
          null);
    }

    static NextConfig none() {
      return new NextConfig(null, false, false, null, null, false, null, null);
    }

    static NextConfig failed(String file, String error) {
      return new NextConfig(file, false, false, null, null, false, null, error);
    }

    boolean loaded() {
      return error == null;
    }

    boolean standalone() {
      return "standalone".equals(output);
    }
  }

  /**
   * What the build runs with.
   *
   * @param source who decides the build id
   * @param deploymentId the {@code NEXT_DEPLOYMENT_ID} passed to build and process, if any
   * @param config the app's config as the probe saw it
   * @param notes what happened, for the step output; warnings start with "warning:"
   */
  record Plan(
      BuildIdSource source, Optional<String> deploymentId, NextConfig config, List<String> notes) {

    /** The variables the build adds for this plan. */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      deploymentId.ifPresent(id -> env.put("NEXT_DEPLOYMENT_ID", id));
      return env;
    }
  }

  /** Whether the release is a Next.js app: {@code next} is installed in it. */
  static boolean isNextApp(Path release) {
    return Files.isRegularFile(release.resolve("node_modules/next/package.json"));
  }

  /**
   * Decides and prepares the build identity of {@code release} before {@code next build}: probes
   * the config, writes the wrapper when the operator pins the build id (and proves it loads with
   * the release's own Next, else puts the app's config back), and records the deployment id for the
   * process in {@link #DEPLOYMENT_ID_FILE}.
   */
  static Plan prepare(
      CommandRunner runner,
      Redactor redactor,
      Path release,
      String commit,
      Map<String, String> buildEnv)
      throws IOException {
    if (!commit.matches("[0-9a-f]{40}")) {
      // It is written into a JavaScript file: only a full lower-case sha goes there.
      throw new IllegalArgumentException("not a full commit sha: " + commit);
    }
    List<String> notes = new ArrayList<>();
    Optional<String> file = CONFIG_FILES.stream().filter(f -> exists(release, f)).findFirst();
    NextConfig config =
        file.map(f -> probe(runner, redactor, release, f, buildEnv, false))
            .orElse(NextConfig.none());
    Optional<String> unsupported =
        UNSUPPORTED_FILES.stream().filter(f -> exists(release, f)).findFirst();
    BuildIdSource source;
    if (file.isEmpty() && unsupported.isPresent()) {
      // Next 16 fails the build on it, 12-15 build with defaults: a wrapper would hide either.
      notes.add(
          "warning: build id not pinned: "
              + unsupported.get()
              + " is not a config file Next reads (next 16 rejects it, older versions ignore it);"
              + " Next picks a build id of its own. Fix: rename it to next.config.js (CommonJS) or"
              + " next.config.mjs");
      source = BuildIdSource.NEXT;
    } else if (file.isPresent() && appSetsBuildId(release, file.get(), config)) {
      notes.add("build id: " + file.get() + " sets its own generateBuildId; left as it is");
      source = BuildIdSource.APP;
    } else if (file.isPresent() && file.get().endsWith(".mts") && !config.loaded()) {
      // Next reads .mts only on a Node with TypeScript support, the one the probe ran on.
      notes.add(
          "warning: build id not pinned: "
              + file.get()
              + " cannot be loaded by this Node ("
              + config.error()
              + "); Next decides the build id. "
              + FIX);
      source = BuildIdSource.NEXT;
    } else {
      source = wrap(runner, redactor, release, commit, buildEnv, file, config, notes);
    }
    Optional<String> deploymentId = Optional.of(commit);
    if (config.deploymentIdSet() && !commit.equals(config.deploymentId())) {
      deploymentId = Optional.empty();
      notes.add("deployment id: the app's next.config sets its own; NEXT_DEPLOYMENT_ID not set");
    } else if (!config.loaded()
        && file.isPresent()
        && mentions(release, file.get(), "deploymentId")) {
      deploymentId = Optional.empty();
      notes.add(
          "deployment id: "
              + file.get()
              + " could not be loaded and names a deploymentId; NEXT_DEPLOYMENT_ID not set");
    } else {
      notes.add("NEXT_DEPLOYMENT_ID=" + commit + " for the build and the process");
    }
    Files.writeString(
        release.resolve(DEPLOYMENT_ID_FILE),
        deploymentId.orElse("") + "\n",
        StandardCharsets.UTF_8);
    return new Plan(source, deploymentId, config, List.copyOf(notes));
  }

  /**
   * Renames the app's config (if any) and writes the wrapper in its place, then loads the wrapper
   * as Next would: a wrapper that does not load or does not give the commit is removed and the
   * app's config put back, so the build runs exactly as the app wrote it.
   */
  private static BuildIdSource wrap(
      CommandRunner runner,
      Redactor redactor,
      Path release,
      String commit,
      Map<String, String> buildEnv,
      Optional<String> file,
      NextConfig config,
      List<String> notes)
      throws IOException {
    boolean ts = file.map(f -> f.endsWith(".ts")).orElse(false);
    // A TypeScript config can only be imported from a config Next transpiles: next.config.ts.
    String wrapper = ts ? TS_WRAPPER : WRAPPER;
    Optional<String> appConfig = file.map(f -> APP_CONFIG_BASE + f.substring(f.lastIndexOf('.')));
    if (file.isPresent()) {
      Files.move(release.resolve(file.get()), release.resolve(appConfig.get()));
    }
    writeWrapper(release, wrapper, commit, appConfig);
    NextConfig check = probe(runner, redactor, release, wrapper, buildEnv, true);
    if (!check.loaded() || !commit.equals(check.buildId())) {
      Files.delete(release.resolve(wrapper));
      if (file.isPresent()) {
        Files.move(release.resolve(appConfig.get()), release.resolve(file.get()));
      }
      notes.add(
          "warning: build id not pinned: the operator's "
              + wrapper
              + " around "
              + file.orElse("(no config)")
              + " did not load with this release's Next ("
              + (check.loaded() ? "build id " + check.buildId() : check.error())
              + "); "
              + file.orElse("the app")
              + " left as it is, Next decides the build id. "
              + FIX);
      return BuildIdSource.NEXT;
    }
    if (file.isEmpty()) {
      notes.add("build id pinned to the commit (no next.config: wrote " + wrapper + ")");
    } else {
      notes.add(
          "build id pinned to the commit: "
              + file.get()
              + " renamed to "
              + appConfig.get()
              + " in this release, "
              + wrapper
              + " re-exports it with generateBuildId");
      if (!config.loaded()) {
        notes.add(
            "warning: could not load "
                + file.get()
                + " to inspect it ("
                + config.error()
                + "); its text names no generateBuildId, so it was wrapped");
      }
    }
    return BuildIdSource.OPERATOR;
  }

  /** The deployment id {@code release} was built with, for its process; empty when none. */
  static String deploymentIdOf(Path release) {
    try {
      return Files.readString(release.resolve(DEPLOYMENT_ID_FILE), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** {@code <distDir>/BUILD_ID} as the build wrote it. */
  static Optional<String> buildId(Path release) {
    try {
      String id =
          Files.readString(
                  release.resolve(distDirOf(release)).resolve("BUILD_ID"), StandardCharsets.UTF_8)
              .strip();
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Records where the build of {@code release} wrote its output, for {@link #buildId} and the
   * launcher's old-assets fallback: the config's {@code distDir} when the build wrote its {@code
   * BUILD_ID} there. Returns the dist dir when it is not {@code .next}.
   */
  static Optional<String> recordDistDir(Path release, NextConfig config) throws IOException {
    Optional<String> custom =
        Optional.ofNullable(config.distDir())
            .flatMap(NextBuildIdentity::safeDistDir)
            .filter(d -> !d.equals(DEFAULT_DIST_DIR))
            .filter(d -> Files.isRegularFile(release.resolve(d).resolve("BUILD_ID")));
    Path file = release.resolve(DIST_DIR_FILE);
    if (custom.isPresent()) {
      Files.writeString(file, custom.get() + "\n", StandardCharsets.UTF_8);
    } else {
      Files.deleteIfExists(file);
    }
    return custom;
  }

  /** The dist dir {@code release} was built into, relative to it ({@code .next} by default). */
  static String distDirOf(Path release) {
    try {
      return safeDistDir(
              Files.readString(release.resolve(DIST_DIR_FILE), StandardCharsets.UTF_8).strip())
          .orElse(DEFAULT_DIST_DIR);
    } catch (IOException e) {
      return DEFAULT_DIST_DIR;
    }
  }

  /** A dist dir inside the release: relative, no {@code ..}, as the launcher accepts it too. */
  static Optional<String> safeDistDir(String dir) {
    String d = dir.replaceAll("^(\\./)+", "").replaceAll("/+$", "");
    if (d.isEmpty() || d.startsWith("/") || d.contains("\\") || d.contains("\0")) {
      return Optional.empty();
    }
    for (String seg : d.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        return Optional.empty();
      }
    }
    return Optional.of(d);
  }

  private static boolean appSetsBuildId(Path release, String file, NextConfig config) {
    if (config.loaded()) {
      return config.generateBuildId();
    }
    // Not loadable here (it needs something only Next provides): the text decides.
    return mentions(release, file, "generateBuildId");
  }

  private static boolean mentions(Path release, String file, String word) {
    try {
      return Files.readString(release.resolve(file), StandardCharsets.UTF_8).contains(word);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Loads {@code file} of {@code release} as Next would; with {@code verify} also calls its
   * generateBuildId ({@link NextConfig#buildId()}).
   */
  static NextConfig probe(
      CommandRunner runner,
      Redactor redactor,
      Path release,
      String file,
      Map<String, String> env,
      boolean verify) {
    List<String> argv =
        new ArrayList<>(List.of("node", "-e", probeScript(), release.toString(), file));
    if (verify) {
      argv.add("verify");
    }
    CommandResult r =
        runner.run(
            Command.builder(argv)
                .workingDir(release)
                .removeEnv(InheritedEnv.toDrop())
                .env(env)
                .timeout(PROBE_TIMEOUT)
                .redactor(redactor)
                .build());
    int at = r.output().lastIndexOf(PROBE_MARK);
    if (at < 0) {
      return NextConfig.failed(file, r.describe());
    }
    String line = r.output().substring(at + PROBE_MARK.length()).lines().findFirst().orElse("");
    try {
      JsonNode n = JSON.readTree(line);
      return new NextConfig(
          file,
          n.path("generateBuildId").asBoolean(false),
          n.path("deploymentIdSet").asBoolean(false),
          n.hasNonNull("deploymentId") ? n.get("deploymentId").asText() : null,
          n.hasNonNull("output") ? n.get("output").asText() : null,
          n.path("imagesUnoptimized").asBoolean(false),
          n.hasNonNull("imagesLoader") ? n.get("imagesLoader").asText() : null,
          n.hasNonNull("error") ? n.get("error").asText() : null,
          text(n, "distDir"),
          text(n, "assetPrefix"),
          text(n, "basePath"),
          text(n, "buildId"));
    } catch (IOException e) {
      return NextConfig.failed(file, "unreadable: " + line);
    }
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
  }

  private static void writeWrapper(
      Path release, String wrapper, String commit, Optional<String> appConfig) throws IOException {
    boolean ts = wrapper.endsWith(".ts");
    String user =
        appConfig
            .map(
                f ->
                    "import * as appModule from './"
                        // Next's require hook resolves a .ts without its extension; tsc would
                        // reject one with it
                        + (ts ? f.substring(0, f.lastIndexOf('.')) : f)
                        + "';\n"
                        + "const app = appModule.default !== undefined ? appModule.default :"
                        + " appModule;\n")
            .orElse("const app = {};\n");
    // Synchronous where the app's config is: Next 12.0 rejects a Promise from a config function.
    String text =
        (ts ? "// @ts-nocheck\n" : "")
            + "// Written by the Sylvan Operator in this release directory only (never committed):\n"
            + "// the app's next.config with the build id pinned to the commit, so every build\n"
            + "// of this commit serves the same /_next/static/<buildId>/ paths.\n"
            + user
            + "const BUILD_ID = '"
            + commit
            + "';\n"
            + "const pin = (config) => Object.assign({}, config, { generateBuildId: () =>"
            + " BUILD_ID });\n"
            + "const thenPin = (c) => (c && typeof c.then === 'function' ? c.then(pin) :"
            + " pin(c));\n"
            + "export default typeof app === 'function'\n"
            + "  ? (phase, args) => thenPin(app(phase, args))\n"
            + "  : thenPin(app);\n";
    Files.writeString(release.resolve(wrapper), text, StandardCharsets.UTF_8);
  }

  private static boolean exists(Path release, String file) {
    return Files.isRegularFile(release.resolve(file));
  }

  private static String probeScript() {
    try (InputStream in = NextBuildIdentity.class.getResourceAsStream("/next/probe-config.js")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
