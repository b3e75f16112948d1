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
 * release directory only (a build directory, never committed back) and a {@code next.config.mjs}
 * that re-exports it with {@code generateBuildId: () => <commit>} takes its name: Next has no CLI
 * flag for the config path, and a wrapper works the same from Next 12 to 16. The deployment id
 * ({@code NEXT_DEPLOYMENT_ID}, read by Next 14.2+; 13.4-14.1 only with {@code
 * experimental.useDeploymentId}) is the commit too, for the build and the process, unless the app's
 * config names another one (Next 14.2+ lets the variable override the config, which would split
 * build and app).
 */
final class NextBuildIdentity {

  /** The app's own config in the release after the wrapper took its name. */
  static final String APP_CONFIG_BASE = "next.config.sylvan-app";

  static final String WRAPPER = "next.config.mjs";

  /** The deployment id the release was built with, for the process (empty: none passed). */
  static final String DEPLOYMENT_ID_FILE = ".sylvan-deployment-id";

  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);

  /** Next's config file names, in the order Next looks for them. */
  static final List<String> CONFIG_FILES =
      List.of("next.config.js", "next.config.mjs", "next.config.ts", "next.config.mts");

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
      String error) {

    static NextConfig none() {
      return new NextConfig(null, false, false, null, null, false, null, null);
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
   * the config, writes the wrapper when the operator pins the build id, and records the deployment
   * id for the process in {@link #DEPLOYMENT_ID_FILE}.
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
        file.map(f -> probe(runner, redactor, release, f, buildEnv)).orElse(NextConfig.none());
    BuildIdSource source;
    if (file.isEmpty()) {
      writeWrapper(release, commit, Optional.empty());
      notes.add("build id pinned to the commit (no next.config: wrote " + WRAPPER + ")");
      source = BuildIdSource.OPERATOR;
    } else if (appSetsBuildId(release, file.get(), config)) {
      notes.add("build id: " + file.get() + " sets its own generateBuildId; left as it is");
      source = BuildIdSource.APP;
    } else if (file.get().endsWith("ts")) {
      notes.add(
          "warning: build id not pinned: the operator does not wrap a TypeScript "
              + file.get()
              + "; two builds of one commit may disagree on /_next/static/<buildId>. Fix: add"
              + " generateBuildId: () => process.env.SYLVAN_COMMIT to it");
      source = BuildIdSource.NEXT;
    } else {
      String ext = file.get().substring(file.get().lastIndexOf('.'));
      Path appConfig = release.resolve(APP_CONFIG_BASE + ext);
      Files.move(release.resolve(file.get()), appConfig);
      writeWrapper(release, commit, Optional.of(appConfig.getFileName().toString()));
      notes.add(
          "build id pinned to the commit: "
              + file.get()
              + " renamed to "
              + appConfig.getFileName()
              + " in this release, "
              + WRAPPER
              + " re-exports it with generateBuildId");
      if (!config.loaded()) {
        notes.add(
            "warning: could not load "
                + file.get()
                + " to inspect it ("
                + config.error()
                + "); its text names no generateBuildId, so it was wrapped");
      }
      source = BuildIdSource.OPERATOR;
    }
    Optional<String> deploymentId = Optional.of(commit);
    if (config.deploymentIdSet() && !commit.equals(config.deploymentId())) {
      deploymentId = Optional.empty();
      notes.add("deployment id: the app's next.config sets its own; NEXT_DEPLOYMENT_ID not set");
    } else {
      notes.add("NEXT_DEPLOYMENT_ID=" + commit + " for the build and the process");
    }
    Files.writeString(
        release.resolve(DEPLOYMENT_ID_FILE),
        deploymentId.orElse("") + "\n",
        StandardCharsets.UTF_8);
    return new Plan(source, deploymentId, config, List.copyOf(notes));
  }

  /** The deployment id {@code release} was built with, for its process; empty when none. */
  static String deploymentIdOf(Path release) {
    try {
      return Files.readString(release.resolve(DEPLOYMENT_ID_FILE), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** {@code .next/BUILD_ID} as the build wrote it. */
  static Optional<String> buildId(Path release) {
    try {
      String id =
          Files.readString(release.resolve(".next/BUILD_ID"), StandardCharsets.UTF_8).strip();
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean appSetsBuildId(Path release, String file, NextConfig config) {
    if (config.loaded()) {
      return config.generateBuildId();
    }
    // Not loadable here (TypeScript, or it needs something only Next provides): the text decides.
    try {
      return Files.readString(release.resolve(file), StandardCharsets.UTF_8)
          .contains("generateBuildId");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static NextConfig probe(
      CommandRunner runner, Redactor redactor, Path release, String file, Map<String, String> env) {
    if (file.endsWith("ts")) {
      return new NextConfig(file, false, false, null, null, false, null, "a TypeScript config");
    }
    CommandResult r =
        runner.run(
            Command.builder("node", "-e", probeScript(), release.toString(), file)
                .workingDir(release)
                .removeEnv(InheritedEnv.toDrop())
                .env(env)
                .timeout(PROBE_TIMEOUT)
                .redactor(redactor)
                .build());
    int at = r.output().lastIndexOf(PROBE_MARK);
    if (at < 0) {
      return new NextConfig(file, false, false, null, null, false, null, r.describe());
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
          n.hasNonNull("error") ? n.get("error").asText() : null);
    } catch (IOException e) {
      return new NextConfig(file, false, false, null, null, false, null, "unreadable: " + line);
    }
  }

  private static void writeWrapper(Path release, String commit, Optional<String> appConfig)
      throws IOException {
    String user =
        appConfig
            .map(
                f ->
                    "import * as appModule from './"
                        + f
                        + "';\n"
                        + "const app = appModule.default !== undefined ? appModule.default :"
                        + " appModule;\n")
            .orElse("const app = {};\n");
    // Synchronous where the app's config is: Next 12.0 rejects a Promise from a config function.
    String text =
        "// Written by the Sylvan Operator in this release directory only (never committed):\n"
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
    Files.writeString(release.resolve(WRAPPER), text, StandardCharsets.UTF_8);
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
