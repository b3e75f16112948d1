package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.pipeline.NextPreflight.Check;
import io.sylvan.operator.pipeline.NextPreflight.Finding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Next.js preflight, one failing release per check. The release trees are written by the test
 * in the layout {@code next build} leaves (server-reference-manifest.json, {@code
 * .next/standalone/server.js}, node_modules): the checks read files only, so a tree without the
 * copies or without sharp is exactly the state such a build is in, not a mock of it; running {@code
 * next build} for each would add minutes of CI time and decide nothing more.
 */
class NextPreflightTest {

  static final String ENV_FILE = "/srv/app/shared/.env.local";
  static final String KEY = "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY";
  static final String GOOD_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  static final NextBuildIdentity.NextConfig NO_CONFIG = NextBuildIdentity.NextConfig.none();

  @TempDir Path release;

  @Test
  void aServerActionsAppOnTwoInstancesWithoutTheKeyFailsNamingTheKeyAndTheFix() throws IOException {
    serverActions(2);

    List<Finding> findings = NextPreflight.check(release, inputs(Map.of(), 2, null));

    assertThat(findings).hasSize(1);
    Finding f = findings.get(0);
    assertThat(f.check()).isEqualTo(Check.SERVER_ACTIONS_KEY);
    assertThat(f.fatal()).isTrue();
    assertThat(f.message())
        .contains("uses Server Actions (2 in .next/server/server-reference-manifest.json)")
        .contains(KEY + " is not set in " + ENV_FILE)
        .contains("Failed to find Server Action")
        .contains("openssl rand -base64 32")
        .contains("2 instances");
  }

  @Test
  void oneInstanceWithoutTheKeyIsOnlyAWarningAndTheKeySetPasses() throws IOException {
    serverActions(1);

    List<Finding> one = NextPreflight.check(release, inputs(Map.of(), 1, null));
    List<Finding> keyed = NextPreflight.check(release, inputs(Map.of(KEY, GOOD_KEY), 4, null));

    assertThat(one).singleElement().satisfies(f -> assertThat(f.fatal()).isFalse());
    assertThat(one.get(0).message()).contains("only the reload window");
    assertThat(keyed).isEmpty();
  }

  @Test
  void aKeyThatIsNotAnAesKeyFails() throws IOException {
    serverActions(1);

    List<Finding> findings =
        NextPreflight.check(release, inputs(Map.of(KEY, "not-a-key"), 2, null));

    assertThat(findings).singleElement().satisfies(f -> assertThat(f.fatal()).isTrue());
    assertThat(findings.get(0).message()).contains("not the base64 of a 16, 24 or 32 byte AES key");
  }

  @Test
  void sourcesThatSayUseServerWithoutAManifestOnlyWarn() throws IOException {
    write("app/actions.js", "'use server';\nexport async function save() {}\n");

    List<Finding> findings = NextPreflight.check(release, inputs(Map.of(), 2, null));

    assertThat(findings).singleElement().satisfies(f -> assertThat(f.fatal()).isFalse());
    assertThat(findings.get(0).message()).contains("\"use server\"").contains(KEY);
  }

  @Test
  void aStandaloneServerWithoutItsStaticFilesAndPublicFailsNamingTheCopy() throws IOException {
    standaloneBuild();

    List<Finding> findings =
        NextPreflight.check(release, inputs(Map.of(), 2, ".next/standalone/server.js"));

    assertThat(findings).singleElement().satisfies(f -> assertThat(f.fatal()).isTrue());
    assertThat(findings.get(0).check()).isEqualTo(Check.STANDALONE_ASSETS);
    assertThat(findings.get(0).message())
        .contains(".next/static -> .next/standalone/.next/static")
        .contains("public -> .next/standalone/public")
        .contains("cp -r public .next/standalone/ && cp -r .next/static .next/standalone/.next/");
  }

  @Test
  void aStandaloneServerWithTheCopiesPasses() throws IOException {
    standaloneBuild();
    copies();

    assertThat(NextPreflight.check(release, inputs(Map.of(), 2, ".next/standalone/server.js")))
        .isEmpty();
  }

  @Test
  void aStandaloneBuildTheLauncherServesOnlyWarns() throws IOException {
    standaloneBuild();

    List<Finding> findings = NextPreflight.check(release, inputs(Map.of(), 2, null));

    assertThat(findings).singleElement().satisfies(f -> assertThat(f.fatal()).isFalse());
    assertThat(findings.get(0).message()).contains("warning only");
  }

  @Test
  void aStandaloneServerUsingNextImageWithoutSharpFailsAndPassesOnceSharpIsInstalled()
      throws IOException {
    standaloneBuild();
    copies();
    write("app/page.js", "import Image from 'next/image';\nexport default () => null;\n");

    List<Finding> without =
        NextPreflight.check(release, inputs(Map.of(), 2, ".next/standalone/server.js"));
    write("node_modules/sharp/package.json", "{\"name\":\"sharp\"}");
    List<Finding> with =
        NextPreflight.check(release, inputs(Map.of(), 2, ".next/standalone/server.js"));

    assertThat(without).singleElement().satisfies(f -> assertThat(f.fatal()).isTrue());
    assertThat(without.get(0).check()).isEqualTo(Check.SHARP);
    assertThat(without.get(0).message())
        .contains("sharp cannot be found from .next/standalone")
        .contains("npm install sharp")
        .contains("images.unoptimized: true");
    assertThat(with).isEmpty();
  }

  @Test
  void unoptimizedImagesNeedNoSharp() throws IOException {
    standaloneBuild();
    copies();
    write("app/page.js", "import Image from 'next/image';\n");
    NextBuildIdentity.NextConfig unoptimized =
        new NextBuildIdentity.NextConfig(
            "next.config.js", false, false, null, "standalone", true, null, null);

    assertThat(
            NextPreflight.check(
                release,
                new NextPreflight.Inputs(
                    Map.of(), ENV_FILE, 2, ".next/standalone/server.js", unoptimized)))
        .isEmpty();
  }

  private NextPreflight.Inputs inputs(Map<String, String> env, int instances, String script) {
    return new NextPreflight.Inputs(env, ENV_FILE, instances, script, NO_CONFIG);
  }

  private void serverActions(int count) throws IOException {
    StringBuilder node = new StringBuilder();
    for (int i = 0; i < count; i++) {
      node.append(i == 0 ? "" : ",")
          .append("\"7f")
          .append(i)
          .append("\":{\"workers\":{\"app/page\":{\"moduleId\":1,\"async\":false}}}");
    }
    write(
        NextPreflight.ACTIONS_MANIFEST,
        "{\"node\":{" + node + "},\"edge\":{},\"encryptionKey\":\"process.env\"}");
  }

  private void standaloneBuild() throws IOException {
    write(".next/static/chunks/main-1a2b.js", "//");
    write("public/favicon.ico", "x");
    write(".next/standalone/server.js", "// next's standalone server");
    write(".next/standalone/.next/server/pages-manifest.json", "{}");
  }

  private void copies() throws IOException {
    write(".next/standalone/.next/static/chunks/main-1a2b.js", "//");
    write(".next/standalone/public/favicon.ico", "x");
  }

  private void write(String path, String text) throws IOException {
    Path p = release.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }
}
