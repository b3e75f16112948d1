package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Command;
import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.BuildIdSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One build identity per commit with a real {@code next build} (next 16, fixture {@code
 * fixtures/next-app}): the same commit checked out into two release directories, as two VMs or a
 * rebuild would, node_modules installed once with npm and hard-linked into the second (what {@link
 * ReuseDependenciesStep} does), each built with the identity {@link BuildStep} prepares.
 */
class NextBuildIdentityTest {

  static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  static Path work;
  static String commit;
  static Path first;
  static Path second;

  @BeforeAll
  static void checkOutOneCommitTwiceAndInstallOnce() throws IOException {
    work = Files.createTempDirectory("sylvan-build-id-");
    NextAppRepo repo = NextAppRepo.create(work.resolve("app"));
    commit = repo.commit("build identity");
    first = work.resolve("releases/20261202000000_a");
    second = work.resolve("releases/20261202000001_a-1");
    Files.createDirectories(first.getParent());
    RepoCommands.run(work, "git", "clone", "-q", repo.dir().toString(), first.toString());
    RepoCommands.run(work, "git", "clone", "-q", repo.dir().toString(), second.toString());
    npm(first, "ci", "--no-audit", "--no-fund");
    RepoCommands.run(
        work, "cp", "-al", first.resolve("node_modules").toString(), second.toString());
  }

  @AfterAll
  static void removeWork() throws IOException {
    FileTrees.delete(work);
  }

  @Test
  void twoBuildsOfTheSameCommitWriteTheCommitAsBuildIdAndTheSameStaticFiles() throws Exception {
    NextBuildIdentity.Plan a = build(first);
    NextBuildIdentity.Plan b = build(second);

    assertThat(a.source()).isEqualTo(BuildIdSource.OPERATOR);
    assertThat(b.source()).isEqualTo(BuildIdSource.OPERATOR);
    assertThat(a.deploymentId()).contains(commit);
    // Without the pin next 16 writes a constant id ("build-..." once a deployment id is set) or a
    // random one: never the commit.
    assertThat(NextBuildIdentity.buildId(first)).contains(commit);
    assertThat(NextBuildIdentity.buildId(second)).contains(commit);
    assertThat(staticFiles(first)).isNotEmpty().isEqualTo(staticFiles(second));
    assertThat(staticFiles(first)).anyMatch(p -> p.startsWith(commit + "/"));
    // The app's own config is kept beside the wrapper, and the process gets the same deployment id.
    assertThat(first.resolve("next.config.sylvan-app.js")).exists();
    assertThat(NextBuildIdentity.deploymentIdOf(first)).isEqualTo(commit);
  }

  /** A Next 15+ app's TypeScript config, with the fixture's keys and a dist dir of its own. */
  static final String TS_CONFIG =
      """
      import type { NextConfig } from 'next';

      const nextConfig: NextConfig = {
        reactStrictMode: true,
        poweredByHeader: false,
        distDir: 'build/next',
        deploymentId: process.env.SYLVAN_COMMIT as string,
      };

      export default nextConfig;
      """;

  @Test
  void twoBuildsOfACommitWithATypeScriptNextConfigWriteTheCommitAsBuildId() throws Exception {
    Path a = checkOutWithTypeScriptConfig("ts-a");
    Path b = checkOutWithTypeScriptConfig("ts-b");

    NextBuildIdentity.Plan planA = build(a);
    NextBuildIdentity.Plan planB = build(b);

    assertThat(planA.notes()).noneMatch(n -> n.startsWith("warning: "));
    assertThat(planA.source()).isEqualTo(BuildIdSource.OPERATOR);
    assertThat(planB.source()).isEqualTo(BuildIdSource.OPERATOR);
    // Loaded through the release's own Next, as next build loads it.
    assertThat(planA.config().error()).isNull();
    assertThat(planA.config().distDir()).isEqualTo("build/next");
    assertThat(a.resolve("next.config.sylvan-app.ts")).hasContent(TS_CONFIG.strip());
    assertThat(a.resolve("next.config.ts")).content().contains("generateBuildId");
    // The build wrote into the app's distDir; the operator records it for buildId and launcher.
    assertThat(NextBuildIdentity.recordDistDir(a, planA.config())).contains("build/next");
    assertThat(NextBuildIdentity.recordDistDir(b, planB.config())).contains("build/next");
    assertThat(a.resolve(".next")).doesNotExist();
    assertThat(NextBuildIdentity.buildId(a)).contains(commit);
    assertThat(NextBuildIdentity.buildId(b)).contains(commit);
    assertThat(staticFiles(a, "build/next")).isNotEmpty().isEqualTo(staticFiles(b, "build/next"));
  }

  @Test
  void aTypeScriptConfigWithItsOwnGenerateBuildIdIsFoundByLoadingItAndKept(@TempDir Path dir)
      throws IOException {
    Files.createSymbolicLink(dir.resolve("node_modules"), first.resolve("node_modules"));
    // generateBuildId comes from another module: only loading the config finds it.
    Files.writeString(
        dir.resolve("ids.ts"), "export const ids = { generateBuildId: async () => 'own-id' };\n");
    Files.writeString(
        dir.resolve("next.config.ts"),
        "import { ids } from './ids';\nexport default { ...ids, poweredByHeader: false };\n");

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.config().error()).isNull();
    assertThat(plan.config().generateBuildId()).isTrue();
    assertThat(plan.source()).isEqualTo(BuildIdSource.APP);
    assertThat(dir.resolve("next.config.sylvan-app.ts")).doesNotExist();
  }

  @Test
  void aConfigFormNextDoesNotReadIsNotPinnedAndTheWarningSaysSo(@TempDir Path dir)
      throws IOException {
    Files.writeString(dir.resolve("next.config.cjs"), "module.exports = { distDir: 'x' };\n");

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.source()).isEqualTo(BuildIdSource.NEXT);
    assertThat(dir.resolve(NextBuildIdentity.WRAPPER)).doesNotExist();
    assertThat(dir.resolve("next.config.cjs")).exists();
    assertThat(plan.notes())
        .anyMatch(
            n ->
                n.startsWith("warning: build id not pinned: next.config.cjs")
                    && n.contains("rename it to next.config.js"));
  }

  @Test
  void aWrapperThatDoesNotLoadIsRemovedAndTheAppsConfigPutBack(@TempDir Path dir)
      throws IOException {
    // Loads only with a package the release lacks: the probe cannot load it, its text names no
    // generateBuildId, so it is wrapped, and the wrapper fails to load the same way.
    String config = "import plugin from 'sylvan-missing-plugin';\nexport default plugin({});\n";
    Files.writeString(dir.resolve("next.config.mjs"), config);

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.source()).isEqualTo(BuildIdSource.NEXT);
    assertThat(dir.resolve("next.config.mjs")).hasContent(config.strip());
    assertThat(dir.resolve("next.config.sylvan-app.mjs")).doesNotExist();
    assertThat(plan.notes())
        .anyMatch(
            n -> n.startsWith("warning: build id not pinned: the operator's next.config.mjs"));
  }

  @Test
  void aCustomDistDirIsRecordedOnlyWhenTheBuildWroteThereAndNeverOutsideTheRelease(
      @TempDir Path dir) throws IOException {
    NextBuildIdentity.NextConfig custom = config("out/next");
    assertThat(NextBuildIdentity.recordDistDir(dir, custom)).isEmpty();
    Files.createDirectories(dir.resolve("out/next"));
    Files.writeString(dir.resolve("out/next/BUILD_ID"), "id-1");
    assertThat(NextBuildIdentity.recordDistDir(dir, custom)).contains("out/next");
    assertThat(NextBuildIdentity.distDirOf(dir)).isEqualTo("out/next");
    assertThat(NextBuildIdentity.buildId(dir)).contains("id-1");
    for (String bad : List.of("../elsewhere", "/abs", "a/../../b", "", "./")) {
      assertThat(NextBuildIdentity.safeDistDir(bad)).as(bad).isEmpty();
    }
    assertThat(NextBuildIdentity.recordDistDir(dir, config("../out"))).isEmpty();
    assertThat(NextBuildIdentity.distDirOf(dir)).isEqualTo(".next");
  }

  private static NextBuildIdentity.NextConfig config(String distDir) {
    return new NextBuildIdentity.NextConfig(
        "next.config.js", false, false, null, null, false, null, null, distDir, null, null, null);
  }

  private static Path checkOutWithTypeScriptConfig(String name) throws IOException {
    Path dir = work.resolve("releases").resolve(name);
    RepoCommands.run(work, "git", "clone", "-q", work.resolve("app").toString(), dir.toString());
    Files.delete(dir.resolve("next.config.js"));
    Files.writeString(dir.resolve("next.config.ts"), TS_CONFIG);
    RepoCommands.run(work, "cp", "-al", first.resolve("node_modules").toString(), dir.toString());
    return dir;
  }

  @Test
  void anAppConfigWithItsOwnGenerateBuildIdIsKeptAndRecordedAsApp(@TempDir Path dir)
      throws IOException {
    String config =
        "module.exports = (phase) => ({ poweredByHeader: false,"
            + " generateBuildId: async () => 'app-' + phase.length });\n";
    Files.writeString(dir.resolve("next.config.js"), config);

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.config().error()).isNull();
    assertThat(plan.config().generateBuildId()).isTrue();
    assertThat(plan.source()).isEqualTo(BuildIdSource.APP);
    assertThat(dir.resolve("next.config.js")).hasContent(config.strip());
    assertThat(dir.resolve(NextBuildIdentity.WRAPPER)).doesNotExist();
    assertThat(plan.notes()).anyMatch(n -> n.contains("sets its own generateBuildId"));
  }

  @Test
  void anAppThatNamesItsOwnDeploymentIdGetsNoNextDeploymentIdForBuildOrProcess(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("next.config.mjs"), "export default { deploymentId: 'release-42' };\n");

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.source()).isEqualTo(BuildIdSource.OPERATOR);
    assertThat(plan.deploymentId()).isEmpty();
    assertThat(plan.env()).doesNotContainKey("NEXT_DEPLOYMENT_ID");
    assertThat(NextBuildIdentity.deploymentIdOf(dir)).isEmpty();
  }

  @Test
  void theWrapperKeepsEveryKeyOfAFunctionConfigAndReturnsSynchronouslyLikeIt(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("next.config.js"),
        "module.exports = (phase, { defaultConfig }) => ({ basePath: '/shop', phase });\n");

    prepare(dir);

    // Loaded as Next loads it: the wrapper under the original precedence, the app's config behind.
    String check =
        "import('./next.config.mjs').then(async (m) => { const c = m.default('phase-x', {"
            + " defaultConfig: {} }); if (typeof c.then === 'function') throw new Error('async');"
            + " console.log(JSON.stringify({ basePath: c.basePath, phase: c.phase, id: await"
            + " c.generateBuildId() })); })";
    CommandResult r =
        CommandRunner.local()
            .run(
                Command.builder("node", "-e", check)
                    .workingDir(dir)
                    .timeout(Duration.ofSeconds(30))
                    .build());
    assertThat(r.ok()).as(r.output()).isTrue();
    assertThat(r.output().strip())
        .isEqualTo("{\"basePath\":\"/shop\",\"phase\":\"phase-x\",\"id\":\"" + SHA + "\"}");
    assertThat(dir.resolve("next.config.js")).doesNotExist();
    assertThat(dir.resolve("next.config.sylvan-app.js")).exists();
  }

  @Test
  void aTypeScriptConfigIsLeftAloneWithAWarningThatNamesTheFix(@TempDir Path dir)
      throws IOException {
    Files.writeString(dir.resolve("next.config.ts"), "export default {};\n");

    NextBuildIdentity.Plan plan = prepare(dir);

    assertThat(plan.source()).isEqualTo(BuildIdSource.NEXT);
    assertThat(dir.resolve(NextBuildIdentity.WRAPPER)).doesNotExist();
    assertThat(plan.notes())
        .anyMatch(n -> n.startsWith("warning: ") && n.contains("generateBuildId: () =>"));
    assertThat(plan.deploymentId()).contains(SHA);
  }

  private static NextBuildIdentity.Plan prepare(Path dir) throws IOException {
    return NextBuildIdentity.prepare(
        CommandRunner.local(), Redactor.PATTERNS_ONLY, dir, SHA, Map.of("NODE_ENV", "production"));
  }

  private static NextBuildIdentity.Plan build(Path release) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("NODE_ENV", "production");
    env.put("SYLVAN_COMMIT", commit);
    NextBuildIdentity.Plan plan =
        NextBuildIdentity.prepare(
            CommandRunner.local(), Redactor.PATTERNS_ONLY, release, commit, env);
    env.putAll(plan.env());
    CommandResult r =
        CommandRunner.local()
            .run(
                Command.builder("node", "node_modules/next/dist/bin/next", "build")
                    .workingDir(release)
                    .env(env)
                    .env("NEXT_TELEMETRY_DISABLED", "1")
                    .timeout(Duration.ofMinutes(5))
                    .build());
    assertThat(r.ok()).as(r.describe()).isTrue();
    return plan;
  }

  private static List<String> staticFiles(Path release) throws IOException {
    return staticFiles(release, ".next");
  }

  private static List<String> staticFiles(Path release, String distDir) throws IOException {
    Path dir = release.resolve(distDir).resolve("static");
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  private static void npm(Path dir, String... args) throws IOException {
    String[] argv = new String[args.length + 1];
    argv[0] = "npm";
    System.arraycopy(args, 0, argv, 1, args.length);
    CommandResult r =
        CommandRunner.local()
            .run(Command.builder(argv).workingDir(dir).timeout(Duration.ofMinutes(10)).build());
    if (!r.ok()) {
      throw new IllegalStateException(r.describe());
    }
    assertThat(Files.readString(dir.resolve("package.json"), StandardCharsets.UTF_8))
        .contains("next");
  }
}
