package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real git repository of the plain Node fixture app ({@code fixtures/node-app}), made by the
 * test: one dependency from npm ({@code is-number}), a build script that prints the env file (so
 * redaction is tested against a build that leaks it), and helpers to commit bad variants.
 */
public final class NodeAppRepo {

  public static final String DEPENDENCY = "is-number";
  private static final String BUILD_JS =
      """
      'use strict';
      // Fixture build: writes a build marker and, like careless builds do, prints the env file.
      const fs = require('fs');
      if (fs.existsSync('.env.local')) console.log('env at build time:\\n' + fs.readFileSync('.env.local', 'utf8'));
      // Stands in for an admin editing the shared env file while a deployment runs.
      if (fs.existsSync('EDIT_ENV')) fs.appendFileSync('.env.local', 'EDITED_DURING_DEPLOY=yes\\n');
      // A build that takes a while, so a test can watch a deployment while it runs.
      if (fs.existsSync('SLOW_BUILD')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000 * Number(fs.readFileSync('SLOW_BUILD', 'utf8')));
      if (fs.existsSync('BUILD_FAIL')) { console.error('fixture build failed on purpose'); process.exit(1); }
      // A stand-in for Next's build cache (.next/cache): counts the builds it has seen. A damaged
      // cache is faked with a marker file, as a real one cannot be damaged on demand.
      if (fs.existsSync('.next/cache/DAMAGED')) { console.error('fixture build: damaged build cache'); process.exit(1); }
      fs.mkdirSync('.next/cache', { recursive: true });
      const seen = fs.existsSync('.next/cache/builds') ? Number(fs.readFileSync('.next/cache/builds', 'utf8')) : 0;
      fs.writeFileSync('.next/cache/builds', String(seen + 1));
      fs.writeFileSync('build-output.txt', 'built ' + new Date().toISOString() + '\\n');
      // Writes what next build writes for an app with one Server Action (Next 14+'s manifest).
      if (fs.existsSync('SERVER_ACTIONS')) {
        fs.mkdirSync('.next/server', { recursive: true });
        fs.writeFileSync('.next/server/server-reference-manifest.json', JSON.stringify({ node: { '7f00': { workers: { 'app/page': { moduleId: 1, async: false } } } }, edge: {} }));
      }
      console.log('fixture build done');
      """;

  private final Path dir;

  private NodeAppRepo(Path dir) {
    this.dir = dir;
  }

  /** Creates the repository with a first commit; npm resolves the lockfile once here. */
  public static NodeAppRepo create(Path dir, String dependencyVersion) {
    try {
      Files.createDirectories(dir);
      for (String f : List.of("server.js", "package.json")) {
        try (InputStream in = NodeAppRepo.class.getResourceAsStream("/fixtures/node-app/" + f)) {
          Files.copy(in, dir.resolve(f));
        }
      }
      Files.writeString(dir.resolve("build.js"), BUILD_JS);
      NodeAppRepo repo = new NodeAppRepo(dir);
      repo.setDependency(dependencyVersion);
      RepoCommands.init(dir);
      Files.writeString(dir.resolve(".gitignore"), "node_modules/\n.next/\n");
      repo.commit("initial");
      return repo;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Pins the npm dependency and regenerates the lockfile (a lockfile change). */
  public void setDependency(String version) throws IOException {
    String pkg = Files.readString(dir.resolve("package.json"));
    pkg =
        pkg.replaceAll(",\\s*\"dependencies\": \\{[^}]*\\}", "")
            .replaceFirst(
                "\"scripts\": \\{[^}]*\\}",
                "\"scripts\": {\"start\": \"node server.js\", \"build\": \"node build.js\"},\n"
                    + "  \"dependencies\": {\""
                    + DEPENDENCY
                    + "\": \""
                    + version
                    + "\"}");
    Files.writeString(dir.resolve("package.json"), pkg);
    run("npm", "install", "--package-lock-only", "--no-audit", "--no-fund");
  }

  /** Changes a harmless file so the next commit differs while the lockfile does not. */
  public String commitChange(String message) throws IOException {
    Files.writeString(dir.resolve("CHANGES.txt"), message + "\n", StandardCharsets.UTF_8);
    return commit(message);
  }

  /** A commit whose /api/health answers 500: the pre-traffic preview stops it. */
  public String commitUnhealthy() throws IOException {
    return commitWithMarker("UNHEALTHY", "unhealthy");
  }

  /**
   * A commit whose /api/health answers 500 only under PM2: it passes the preview and fails after
   * the switch, as a commit does that only real traffic or the real cluster breaks.
   */
  public String commitUnhealthyAfterSwitch() throws IOException {
    return commitWithMarker("UNHEALTHY_UNDER_PM2", "unhealthy after the switch");
  }

  private String commitWithMarker(String marker, String message) throws IOException {
    Files.writeString(dir.resolve(marker), "yes\n");
    String sha = commit(message);
    Files.delete(dir.resolve(marker));
    run("git", "rm", "-q", "--cached", "--ignore-unmatch", marker);
    return sha;
  }

  /**
   * A commit whose /api/health answers 500 after the switch and whose build appends a line to the
   * env file (through the release's link to the shared one), as if someone edited it during the
   * deployment.
   */
  public String commitUnhealthyAfterSwitchEditingTheEnvFile() throws IOException {
    Files.writeString(dir.resolve("EDIT_ENV"), "yes\n");
    try {
      return commitUnhealthyAfterSwitch();
    } finally {
      Files.delete(dir.resolve("EDIT_ENV"));
      run("git", "rm", "-q", "--cached", "--ignore-unmatch", "EDIT_ENV");
    }
  }

  /** A commit whose build takes {@code seconds} longer: a deployment to watch while it runs. */
  public String commitSlowBuild(int seconds) throws IOException {
    Files.writeString(dir.resolve("SLOW_BUILD"), Integer.toString(seconds));
    String sha = commit("builds slowly");
    Files.delete(dir.resolve("SLOW_BUILD"));
    run("git", "rm", "-q", "--cached", "--ignore-unmatch", "SLOW_BUILD");
    return sha;
  }

  /** A commit whose build fails. */
  public String commitBuildFailure() throws IOException {
    Files.writeString(dir.resolve("BUILD_FAIL"), "yes\n");
    String sha = commit("build fails");
    Files.delete(dir.resolve("BUILD_FAIL"));
    run("git", "rm", "-q", "--cached", "--ignore-unmatch", "BUILD_FAIL");
    return sha;
  }

  /** A commit whose build output says the app uses a Server Action (its manifest lists one). */
  public String commitServerActions() throws IOException {
    Files.writeString(dir.resolve("SERVER_ACTIONS"), "yes\n");
    String sha = commit("uses a server action");
    Files.delete(dir.resolve("SERVER_ACTIONS"));
    run("git", "rm", "-q", "--cached", "--ignore-unmatch", "SERVER_ACTIONS");
    return sha;
  }

  /** A commit whose server exits at start: the preview stops it before any traffic. */
  public String commitCrash() throws IOException {
    Path server = dir.resolve("server.js");
    String good = Files.readString(server);
    Files.writeString(
        server, "'use strict';\nconsole.error('crashing on purpose');\nprocess.exit(1);\n");
    String sha = commit("crashes on start");
    Files.writeString(server, good);
    return sha;
  }

  /** A commit whose server exits at start only under PM2: PM2 crash-loops it after the switch. */
  public String commitCrashAfterSwitch() throws IOException {
    return commitWithMarker("CRASH_UNDER_PM2", "crashes on start under PM2");
  }

  /** Commits everything (removals included) and returns the full sha. */
  public String commit(String message) {
    return RepoCommands.commit(dir, message);
  }

  private CommandResult run(String... argv) {
    return RepoCommands.run(dir, argv);
  }
}
