package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecFixtures.COMMIT_A;
import static io.sylvan.operator.spec.SpecFixtures.apart;
import static io.sylvan.operator.spec.SpecFixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecParserTest {

  private final SpecParser parser = new SpecParser();

  /**
   * One fixture per error class in {@code src/test/resources/specs/bad}: fixture | line | column |
   * field | part of the message. Each fixture declares the environment named like its file, so the
   * only error is the one under test.
   */
  private static final String BAD_SPECS =
      """
      yaml-syntax                  | 13 |  1 | (yaml)                            | expected ',' or ']'
      unknown-key-typo             | 12 |  5 | spec.process.instanses            | did you mean 'instances'?
      unknown-key                  | 11 |  1 | status                            | allowed keys here: apiVersion, kind, metadata, spec
      integer-expected             | 12 | 16 | spec.process.instances            | expected an integer, got the string 'two'
      list-expected                | 12 | 15 | spec.env.required                 | expected a list, got the string 'DATABASE_URL'
      mapping-expected             | 11 | 12 | spec.process                      | expected a mapping, got a list
      missing-repository           |  6 |  3 | spec.source.repository            | is required in spec.source
      missing-commit               |  6 |  3 | spec.source.commit                | is required in spec.source
      missing-root                 |  9 |  3 | spec.target.root                  | is required in spec.target
      missing-environment          |  3 |  1 | metadata.environment              | is required in metadata
      missing-api-version          |  1 |  1 | apiVersion                        | is required
      missing-kind                 |  1 |  1 | kind                              | is required
      migrate-without-command      | 11 |  3 | spec.migrate.command              | is required in spec.migrate
      wrong-api-version            |  1 | 13 | apiVersion                        | must be 'sylvan.io/v1', got 'sylvan.io/v2'
      wrong-kind                   |  2 |  7 | kind                              | must be 'AppDeployment', got 'Deployment'
      commit-abbreviated           |  8 | 13 | spec.source.commit                | exactly 40 hex characters, got '9fceb02' (7 characters)
      commit-not-hex               |  8 | 13 | spec.source.commit                | exactly 40 hex characters
      environment-name-invalid     |  4 | 16 | metadata.environment              | DNS-label-like name
      environment-file-mismatch    |  4 | 16 | metadata.environment              | must be named production.yaml
      env-file-escapes-root        | 12 | 11 | spec.env.file                     | '..' leads outside target.root
      env-file-absolute            | 12 | 11 | spec.env.file                     | relative to target.root, not an absolute path
      encrypted-file-escapes-repo  | 12 | 20 | spec.env.encryptedFile            | '..' leads outside the spec repository
      encrypted-file-absolute      | 12 | 20 | spec.env.encryptedFile            | relative to the spec repository, not an absolute path
      encrypted-file-and-file      | 13 | 20 | spec.env.encryptedFile            | cannot be used together with spec.env.file
      script-escapes-release       | 12 | 13 | spec.process.script               | '..' leads outside the release directory
      root-relative                | 10 | 11 | spec.target.root                  | must be an absolute path
      duration-words               | 12 | 14 | spec.healthCheck.timeout          | expected a duration like 5s, 500ms, 2m or 1h
      duration-negative            | 12 | 15 | spec.healthCheck.interval         | got '-1s'
      duration-without-unit        | 12 | 15 | spec.reconcile.interval           | got '5'
      size-with-bytes-suffix       | 12 | 23 | spec.process.maxMemoryRestart     | expected a size like 1G, 512M or 300K
      size-words                   | 12 | 23 | spec.process.maxMemoryRestart     | got 'lots'
      port-out-of-range            | 12 | 11 | spec.process.port                 | must be between 1 and 65535, got 70000
      port-privileged              | 12 | 11 | spec.process.port                 | port 22 is privileged (below 1024)
      repository-remote-helper     |  7 | 17 | spec.source.repository            | 'ext::' selects a git remote helper, which is not allowed
      repository-fd-helper         |  7 | 17 | spec.source.repository            | 'fd::' selects a git remote helper, which is not allowed
      instances-out-of-range       | 12 | 16 | spec.process.instances            | must be between 1 and 64, got 0
      retries-out-of-range         | 12 | 14 | spec.healthCheck.retries          | must be between 1 and 20, got 21
      percent-out-of-range         | 12 | 20 | spec.healthCheck.maxCpuPercent    | must be between 1 and 100, got 150
      keep-out-of-range            | 12 | 11 | spec.backup.keep                  | must be between 1 and 100, got 0
      releases-keep-out-of-range   | 12 | 11 | spec.releases.keep                | must be between 2 and 200, got 1
      reconcile-interval-too-short | 12 | 15 | spec.reconcile.interval           | must be at least 5s, got 2s
      timeout-zero                 | 12 | 14 | spec.build.timeout                | must be greater than 0
      reconcile-mode-unknown       | 12 | 11 | spec.reconcile.mode               | must be 'enforce' or 'warn', got 'sometimes'
      duplicate-key                | 14 |  5 | spec.process.port                 | duplicate key 'port' (first defined at line 12)
      critical-path-without-slash  | 12 | 24 | spec.healthCheck.criticalPaths[1] | must be a URL path starting with '/'
      health-path-without-slash    | 12 | 11 | spec.healthCheck.path             | must be a URL path starting with '/'
      command-and-and              | 12 | 14 | spec.build.command                | '&&' needs a shell
      command-redirect             | 13 | 20 | spec.migrate.backupCommand        | redirection '>' needs a shell
      command-substitution         | 12 | 14 | spec.build.install                | must be 'auto' or a command: command substitution '$('
      command-unterminated-quote   | 12 | 14 | spec.migrate.command              | unterminated double quote
      custom-tag                   | 12 | 11 | spec.process.port                 | the tag !port is not allowed
      global-tag                   | 12 | 11 | (yaml)                            | Global tag is not allowed
      boolean-yes                  | 12 | 14 | spec.backup.enabled               | expected true or false, got the boolean 'yes'
      env-var-name-invalid         | 12 | 16 | spec.env.required[0]              | must be an environment variable name
      empty                        |  1 |  1 | (file)                            | the file is empty
      not-a-mapping                |  1 |  1 | (file)                            | expected a mapping with apiVersion, kind, metadata and spec
      placement-nodes-and-selector | 14 |  7 | spec.placement.nodeSelector       | set either nodes or nodeSelector, not both
      placement-duplicate-node     | 14 |  9 | spec.placement.nodes[1]           | node 'web-1' is listed twice (first at line 13)
      placement-node-name-invalid  | 13 |  9 | spec.placement.nodes[0]           | must be a node name (lower-case letters
      placement-root-collision     | 15 | 15 | spec.placement.nodes[1].root      | nests with /srv/sylvan/placement-root-collision, the root of node 'web-1' (spec.target.root)
      placement-empty-nodes        | 12 | 12 | spec.placement.nodes              | list at least one node
      placement-selector-empty     | 12 | 19 | spec.placement.nodeSelector       | an empty nodeSelector would select every node
      placement-port-privileged    | 14 | 15 | spec.placement.nodes[0].port      | port 80 is privileged
      rollout-canary-words         | 12 | 13 | spec.rollout.canary               | expected a count of nodes like 2 or a percentage like "25%", got 'some'
      rollout-percent-out-of-range | 12 | 18 | spec.rollout.maxParallel          | must be between 1% and 100%, got 150%
      rollout-max-parallel-zero    | 12 | 18 | spec.rollout.maxParallel          | must be between 1 and 10000 nodes, got 0
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = BAD_SPECS)
  void reportsEachErrorClassWithFileLineColumnAndField(
      String fixture, int line, int column, String field, String message) throws IOException {
    String file = fixture + ".yaml";
    SpecParseResult result = parser.parse(file, Files.readString(badFixtures().resolve(file)));

    assertThat(result.isValid()).isFalse();
    assertThat(result.errors()).hasSize(1);
    SpecError error = result.errors().get(0);
    assertThat(error.file()).isEqualTo(file);
    assertThat(error.line()).as("line").isEqualTo(line);
    assertThat(error.column()).as("column").isEqualTo(column);
    assertThat(error.field()).isEqualTo(field);
    assertThat(error.message()).contains(message);
    assertThat(error.toString()).startsWith(file + ":" + line + ":" + column + ": " + field + ": ");
  }

  @Test
  void everyBadFixtureIsCoveredByTheTable() throws Exception {
    List<String> tableFixtures =
        BAD_SPECS.lines().map(line -> line.substring(0, line.indexOf('|')).strip()).toList();
    try (Stream<Path> files = Files.list(badFixtures())) {
      List<String> names =
          files.map(f -> f.getFileName().toString().replace(".yaml", "")).sorted().toList();
      assertThat(names).hasSizeGreaterThanOrEqualTo(25);
      assertThat(tableFixtures).containsExactlyInAnyOrderElementsOf(names);
    }
  }

  @Test
  void readsAnEncryptedEnvFileAsANormalizedPathInsideTheSpecRepository() {
    String yaml =
        minimal("production")
            + "  env:\n    encryptedFile: secrets/./production.env.age\n    required: [API_KEY]\n";

    SpecParseResult result = parser.parse("production.yaml", yaml);

    assertThat(result.errors()).isEmpty();
    DeploySpec.Env env = result.spec().spec().env();
    assertThat(env.encryptedFile()).isEqualTo("secrets/production.env.age");
    assertThat(env.encrypted()).isTrue();
    assertThat(env.required()).containsExactly("API_KEY");
  }

  @Test
  void appliesTheDocumentedDefaultsToAMinimalSpec() {
    SpecParseResult result = parser.parse("production.yaml", minimal("production"));

    assertThat(result.errors()).isEmpty();
    DeploySpec spec = result.spec();
    DeploySpec.Spec s = spec.spec();
    assertThat(spec.metadata().name()).isEqualTo("sylvan-app");
    assertThat(spec.environment()).isEqualTo("production");
    assertThat(spec.sourceFile()).isEqualTo("production.yaml");
    assertThat(s.source().commit()).isEqualTo(COMMIT_A);
    assertThat(s.target().root()).isEqualTo(Path.of("/srv/sylvan/production"));
    assertThat(s.process()).isEqualTo(new DeploySpec.Process(1, 3000, "1G", 1L << 30, null, null));
    assertThat(s.build())
        .isEqualTo(
            new DeploySpec.Build(
                "auto", "npm run build", Duration.ofMinutes(15), DeploySpec.Build.Cache.REUSE));
    assertThat(s.build().commandArgv()).containsExactly("npm", "run", "build");
    assertThat(s.build().installArgv()).isEmpty();
    assertThat(s.migrate()).isNull();
    assertThat(s.env()).isEqualTo(new DeploySpec.Env("shared/.env.local", List.of()));
    assertThat(s.healthCheck())
        .isEqualTo(
            new DeploySpec.HealthCheck(
                "/api/health",
                Duration.ofSeconds(5),
                5,
                Duration.ofSeconds(3),
                Duration.ofSeconds(2),
                80,
                70,
                false,
                List.of(),
                true));
    assertThat(s.backup()).isEqualTo(new DeploySpec.Backup(true, 5));
    assertThat(s.releases()).isEqualTo(new DeploySpec.Releases(20));
    assertThat(s.rollback()).isEqualTo(new DeploySpec.Rollback(true));
    assertThat(s.reconcile())
        .isEqualTo(
            new DeploySpec.Reconcile(
                Duration.ofSeconds(30), false, DeploySpec.Reconcile.Mode.ENFORCE));
    assertThat(s.placement().isNone()).isTrue();
    assertThat(s.rollout())
        .isEqualTo(
            new DeploySpec.Rollout(
                DeploySpec.Rollout.Amount.count(1),
                DeploySpec.Rollout.Amount.count(1),
                Duration.ofSeconds(30),
                Duration.ofMinutes(10),
                0,
                true));
  }

  @Test
  void readsAPlacementOfNamedNodesWithTheirOverridesAndARolloutPolicy() {
    String content =
        minimal("production")
            + """
              placement:
                nodes:
                  - web-1
                  - name: web-2
                    root: /srv/b
                    port: 4302
              rollout:
                canary: "50%"
                maxParallel: 2
                minHealthyTime: 0s
                progressDeadline: 2m
                maxFailures: 1
                autoRevert: false
            """;

    SpecParseResult result = parser.parse("production.yaml", content);

    assertThat(result.errors()).isEmpty();
    DeploySpec.Spec s = result.spec().spec();
    assertThat(s.placement().nodes())
        .containsExactly(
            new DeploySpec.Placement.NodeTarget("web-1", null, null),
            new DeploySpec.Placement.NodeTarget("web-2", Path.of("/srv/b"), 4302));
    assertThat(s.placement().nodeSelector()).isEmpty();
    assertThat(s.rollout())
        .isEqualTo(
            new DeploySpec.Rollout(
                DeploySpec.Rollout.Amount.percent(50),
                DeploySpec.Rollout.Amount.count(2),
                Duration.ZERO,
                Duration.ofMinutes(2),
                1,
                false));
  }

  @Test
  void appliesTheNodesOverridesForThatNodeAndPlacesNothingOnAnUnlistedNode() {
    String content =
        minimal("production")
            + """
              placement:
                nodes:
                  - web-1
                  - {name: web-2, root: /srv/b, port: 4302}
            """;
    DeploySpec spec = parser.parse("production.yaml", content).spec();

    DeploySpec web1 = spec.forNode("web-1", Map.of()).orElseThrow();
    DeploySpec web2 = spec.forNode("web-2", Map.of()).orElseThrow();

    assertThat(web1.spec().target().root()).isEqualTo(Path.of("/srv/sylvan/production"));
    assertThat(web1.spec().process().port()).isEqualTo(3000);
    assertThat(web2.spec().target().root()).isEqualTo(Path.of("/srv/b"));
    assertThat(web2.spec().process().port()).isEqualTo(4302);
    assertThat(web2.spec().source()).isEqualTo(spec.spec().source());
    assertThat(spec.forNode("web-3", Map.of())).isEmpty();
  }

  @Test
  void aNodeSelectorPlacesTheSpecOnEveryNodeWhoseLabelsContainIt() {
    String content =
        minimal("production")
            + """
              placement:
                nodeSelector:
                  role: web
                  zone: a
            """;
    DeploySpec spec = parser.parse("production.yaml", content).spec();

    assertThat(spec.spec().placement().nodeSelector())
        .containsExactlyInAnyOrderEntriesOf(Map.of("role", "web", "zone", "a"));
    assertThat(spec.forNode("web-1", Map.of("role", "web", "zone", "a", "disk", "ssd")))
        .contains(spec);
    assertThat(spec.forNode("web-2", Map.of("role", "web", "zone", "b"))).isEmpty();
    assertThat(spec.forNode("db-1", Map.of())).isEmpty();
  }

  @Test
  void aSpecWithoutPlacementRunsUnchangedOnWhicheverNodeLoadsIt() {
    DeploySpec spec = parser.parse("production.yaml", minimal("production")).spec();

    assertThat(spec.forNode("any-node", Map.of())).contains(spec);
  }

  @Test
  void aRolloutAmountIsAtLeastOneNodeWhenPositiveAndNeverMoreThanThePlacedNodes() {
    assertThat(DeploySpec.Rollout.Amount.percent(25).of(3)).isEqualTo(1);
    // Rounds down (maxUnavailable semantics): 50% of 3 = 1.5 -> 1, 75% of 10 = 7.5 -> 7.
    assertThat(DeploySpec.Rollout.Amount.percent(50).of(3)).isEqualTo(1);
    assertThat(DeploySpec.Rollout.Amount.percent(75).of(10)).isEqualTo(7);
    assertThat(DeploySpec.Rollout.Amount.percent(99).of(2)).isEqualTo(1);
    assertThat(DeploySpec.Rollout.Amount.percent(1).of(10)).isEqualTo(1);
    assertThat(DeploySpec.Rollout.Amount.percent(100).of(7)).isEqualTo(7);
    assertThat(DeploySpec.Rollout.Amount.count(5).of(3)).isEqualTo(3);
    assertThat(DeploySpec.Rollout.Amount.count(0).of(3)).isZero();
    assertThat(DeploySpec.Rollout.Amount.count(2).of(0)).isZero();
  }

  @Test
  void reportsEveryPlacementErrorOfAFileWithItsPosition() {
    String content =
        minimal("production")
            + """
              placement:
                nodes:
                  - web-1
                  - name: web-2
                    root: relative
                  - name: Web-3
                  - [web-4]
            """;

    SpecParseResult result = parser.parse("production.yaml", content);

    assertThat(result.errors())
        .map(SpecError::toString)
        .containsExactly(
            "production.yaml:15:15: spec.placement.nodes[1].root: must be an absolute path like"
                + " /srv/sylvan/production",
            "production.yaml:16:15: spec.placement.nodes[2].name: must be a node name (lower-case"
                + " letters, digits, '-' and '.', 1-63 characters), got 'Web-3'",
            "production.yaml:17:9: spec.placement.nodes[3]: expected a node name or a mapping"
                + " {name, root, port}, got a list");
  }

  @Test
  void twoOverriddenRootsOfOneSpecMustNotBeEqual() {
    String content =
        minimal("production")
            + """
              placement:
                nodes:
                  - {name: web-1, root: /srv/a}
                  - {name: web-2, root: /srv/a}
            """;

    SpecParseResult result = parser.parse("production.yaml", content);

    assertThat(result.errors())
        .singleElement()
        .hasToString(
            "production.yaml:14:29: spec.placement.nodes[1].root: root /srv/a is also the root of"
                + " node 'web-1'; a root override keeps nodes that share a machine apart, so each"
                + " must be distinct and not inside another");
  }

  @Test
  void aNodeLoadingTheSpecsSeesOnlyTheEnvironmentsPlacedOnItWithItsOverrides() {
    String production =
        apart("production", 3001)
            + """
              placement:
                nodes:
                  - web-1
                  - {name: web-2, root: /srv/b, port: 4302}
            """;
    String staging =
        apart("staging", 3002) + "  placement:\n    nodeSelector:\n      role: staging\n";
    SpecParser web2 = new SpecParser(Map.of(), List::of, node("web-2", Map.of("role", "web")));

    SpecSnapshot snapshot =
        web2.parseAll("rev", Map.of("production.yaml", production, "staging.yaml", staging));

    assertThat(snapshot.valid()).containsOnlyKeys("production");
    assertThat(snapshot.valid().get("production").spec().target().root())
        .isEqualTo(Path.of("/srv/b"));
    assertThat(snapshot.elsewhere()).containsOnlyKeys("staging");
    assertThat(snapshot.anyNode("staging")).isPresent();
    assertThat(snapshot.invalid()).isEmpty();
  }

  @Test
  void collisionsAreDecidedOnWhatRunsOnTheLoadingNodeAndPointAtTheOverride() {
    // On web-2, production's override takes port 3002, which staging holds on every node.
    String production =
        apart("production", 3001)
            + """
              placement:
                nodes:
                  - web-1
                  - {name: web-2, root: /srv/b, port: 3002}
            """;
    String staging = apart("staging", 3002);
    // A spec placed elsewhere never collides here, whatever its port.
    String other = apart("other", 3002) + "  placement:\n    nodes: [web-9]\n";
    SpecParser web1 = new SpecParser(Map.of(), List::of, node("web-1", Map.of()));
    SpecParser web2 = new SpecParser(Map.of(), List::of, node("web-2", Map.of()));
    Map<String, String> files =
        Map.of("other.yaml", other, "production.yaml", production, "staging.yaml", staging);

    SpecSnapshot on1 = web1.parseAll("rev", files);
    SpecSnapshot on2 = web2.parseAll("rev", files);

    assertThat(on1.valid()).containsOnlyKeys("production", "staging");
    assertThat(on1.invalid()).isEmpty();
    assertThat(on2.valid()).containsOnlyKeys("production");
    assertThat(on2.invalid())
        .singleElement()
        .satisfies(
            held -> {
              assertThat(held.environment()).isEqualTo("staging");
              assertThat(held.errors().get(0).message())
                  .contains(
                      "port 3002 is also used by environment 'production' (production.yaml:17:");
            });
  }

  private static NodeIdentity node(String name, Map<String, String> labels) {
    return new NodeIdentity() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Map<String, String> labels() {
        return labels;
      }
    };
  }

  @Test
  void collectsAllErrorsOfAFileInLineOrder() {
    String content =
        minimal("production")
                .replace("commit: " + COMMIT_A, "commit: main")
                .replace("root: /srv/sylvan/production", "root: srv")
            + """
              process:
                port: 0
                instanses: 2
              healthCheck:
                timeout: 5 seconds
            """;

    SpecParseResult result = parser.parse("production.yaml", content);

    assertThat(result.errors())
        .extracting(SpecError::field)
        .containsExactly(
            "spec.source.commit",
            "spec.target.root",
            "spec.process.port",
            "spec.process.instanses",
            "spec.healthCheck.timeout");
    assertThat(result.environment()).isEqualTo("production");
  }

  @Test
  void reportsAMissingSectionOnceInsteadOfEachOfItsRequiredFields() {
    String content = "apiVersion: sylvan.io/v1\nkind: AppDeployment\nmetadata: [production]\n";

    SpecParseResult result = parser.parse("production.yaml", content);

    assertThat(result.errors())
        .map(SpecError::toString)
        .containsExactly(
            "production.yaml:1:1: spec: is required",
            "production.yaml:3:11: metadata: expected a mapping, got a list");
  }

  @Test
  void acceptsPm2SizesAndAllDurationUnits() {
    String content =
        minimal("production")
            + """
              process:
                maxMemoryRestart: 300K
              build:
                timeout: 1h
              migrate:
                command: npx prisma migrate deploy
                timeout: 500ms
              reconcile:
                interval: 2m
            """;

    DeploySpec spec = parser.parse("production.yaml", content).spec();

    assertThat(spec.spec().process().maxMemoryRestartBytes()).isEqualTo(300 * 1024L);
    assertThat(spec.spec().build().timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(spec.spec().migrate().timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(spec.spec().reconcile().interval()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void theExampleSpecsLoadWithoutErrors() throws Exception {
    Path dir = Path.of(System.getProperty("basedir", ".")).resolve("deploy-specs");

    SpecSnapshot snapshot = new LocalDirectorySpecSource(dir).load();

    assertThat(snapshot.invalid()).isEmpty();
    assertThat(snapshot.valid()).containsOnlyKeys("production", "test");
    DeploySpec.Spec production = snapshot.valid().get("production").spec();
    assertThat(production.process().instances()).isEqualTo(2);
    assertThat(production.process().port()).isEqualTo(3333);
    assertThat(production.backup().enabled()).isTrue();
    DeploySpec.Spec test = snapshot.valid().get("test").spec();
    assertThat(test.process().instances()).isEqualTo(1);
    assertThat(test.process().port()).isNotEqualTo(3333);
    assertThat(test.backup().enabled()).isFalse();
    assertThat(test.target().root()).isEqualTo(Path.of("/srv/sylvan/test"));
  }

  @Test
  void rejectsABillionLaughsAliasBombQuickly() {
    StringBuilder bomb = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      String previous = "*" + (char) (c - 1);
      bomb.append(c)
          .append(": &")
          .append(c)
          .append(" [")
          .append(String.join(", ", java.util.Collections.nCopies(9, previous)))
          .append("]\n");
    }

    SpecParseResult result =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2), () -> parser.parse("production.yaml", bomb.toString()));

    assertThat(result.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.field()).isEqualTo(SpecError.FILE);
              assertThat(e.message()).contains("aliases");
            });
  }

  @Test
  void rejectsAnOversizedFileBeforeParsingIt() {
    String huge = "# " + "x".repeat(SpecDefaults.MAX_FILE_BYTES) + "\n" + minimal("production");

    SpecParseResult result =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2), () -> parser.parse("production.yaml", huge));

    assertThat(result.errors())
        .singleElement()
        .hasToString("production.yaml:1:1: (file): the file is larger than 256 KiB");
  }

  @Test
  void rejectsDeeplyNestedDocuments() {
    String deep = "spec: " + "[".repeat(50) + "]".repeat(50) + "\n";

    SpecParseResult result = parser.parse("production.yaml", deep);

    assertThat(result.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("nested"));
  }

  @Test
  void reportsADuplicateEnvironmentOnBothFilesAndKeepsTheOthersValid() {
    SpecSnapshot snapshot =
        parseAll(
            "production.yaml", minimal("production"),
            "production.yml", minimal("production"),
            "test.yaml", minimal("test"));

    assertThat(snapshot.valid()).containsOnlyKeys("test");
    assertThat(snapshot.invalid())
        .extracting(SpecSnapshot.InvalidSpec::file)
        .containsExactly("production.yaml", "production.yml");
    assertThat(snapshot.invalid().get(0).errors())
        .singleElement()
        .hasToString(
            "production.yaml:4:16: metadata.environment: environment 'production' is also"
                + " declared in production.yml:4:16; each environment must be declared by exactly"
                + " one file");
    assertThat(snapshot.invalid().get(1).errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.file()).isEqualTo("production.yml");
              assertThat(e.line()).isEqualTo(4);
              assertThat(e.column()).isEqualTo(16);
              assertThat(e.message()).contains("also declared in production.yaml:4:16");
            });
  }

  @Test
  void namesAnInvalidFileByItsEnvironmentOrElseByItsFileName() {
    SpecSnapshot snapshot =
        parseAll(
            "broken.yaml", "spec: [",
            "staging.yaml", minimal("staging").replace(COMMIT_A, "abc"),
            "test.yaml", minimal("test"));

    assertThat(snapshot.valid()).containsOnlyKeys("test");
    assertThat(snapshot.invalid())
        .extracting(SpecSnapshot.InvalidSpec::environment)
        .containsExactly("broken", "staging");
  }

  @Test
  void rejectsAPortTheOperatorHoldsWithFileLineColumn() {
    SpecParser knowing = new SpecParser(Map.of(8080, "the operator's own HTTP port"), List::of);
    String text = apart("production", 8080);

    SpecParseResult result = knowing.parse("production.yaml", text);

    assertThat(result.errors())
        .singleElement()
        .hasToString(
            "production.yaml:13:11: spec.process.port: port 8080 is the operator's own HTTP port;"
                + " choose another port for the app");
    assertThat(knowing.parse("production.yaml", apart("production", 8081)).isValid()).isTrue();
  }

  @Test
  void quotesAtMostAShortRedactedExcerptOfAValueInAMessage() {
    String secret = "CANARY_SECRET=" + "s3cr3t".repeat(20);
    String url = "https://deploy:hunter2@git.example.com/" + "x".repeat(80);
    String text =
        minimal("production")
            .replace("commit: " + COMMIT_A, "commit: " + secret)
            .replace("apiVersion: sylvan.io/v1", "apiVersion: " + url);

    SpecParseResult result = parser.parse("production.yaml", text);

    assertThat(result.errors()).hasSize(2);
    for (SpecError error : result.errors()) {
      assertThat(error.message()).doesNotContain("s3cr3t", "hunter2");
      String quoted = error.message().substring(error.message().indexOf("got '") + 5);
      assertThat(quoted.substring(0, quoted.indexOf("'")))
          .hasSizeLessThanOrEqualTo(Excerpt.MAX_CHARS + 3);
    }
    assertThat(result.errors().get(0).message())
        .contains("got 'https://***@git.example.com/xxxxxxxxxx")
        .contains("(" + url.length() + " characters)");
    assertThat(result.errors().get(1).message()).contains("got 'CANARY_SECRET=***'");
    // A file that is no spec at all (an env file) is not echoed either.
    SpecParseResult envFile = parser.parse("production.yaml", secret + "\n");
    assertThat(envFile.errors().get(0).toString()).doesNotContain("s3cr3t");
  }

  @Test
  void holdsBackTheLaterOfTwoEnvironmentsThatShareAPortAnAppNameOrARoot() {
    String alpha = apart("alpha", 3001);
    String bravo =
        minimal("bravo")
                .replace("  environment: bravo\n", "  environment: bravo\n  name: alpha-app\n")
                .replace("/srv/sylvan/bravo", "/srv/sylvan/alpha")
            + "  process:\n    port: 3001\n";

    SpecSnapshot snapshot = parseAll("bravo.yaml", bravo, "alpha.yaml", alpha);

    assertThat(snapshot.valid()).containsOnlyKeys("alpha");
    SpecSnapshot.InvalidSpec held = snapshot.invalid().get(0);
    assertThat(held.environment()).isEqualTo("bravo");
    assertThat(held.problem()).isEqualTo(SpecSnapshot.Problem.CONFLICT);
    assertThat(held.errors())
        .extracting(SpecError::toString)
        .containsExactly(
            "bravo.yaml:13:11: spec.process.port: port 3001 is also used by environment 'alpha'"
                + " (alpha.yaml:13:11); ports must be unique: this environment is not reconciled"
                + " until that is resolved, and 'alpha', declared in an earlier file, keeps"
                + " running",
            "bravo.yaml:5:9: metadata.name: PM2 app name 'alpha-app' is also used by environment"
                + " 'alpha' (alpha.yaml:5:9); PM2 app names must be unique: this environment is not"
                + " reconciled until that is resolved, and 'alpha', declared in an earlier file,"
                + " keeps running",
            "bravo.yaml:11:11: spec.target.root: target root /srv/sylvan/alpha is also used by"
                + " environment 'alpha' (alpha.yaml:11:11); target roots must be distinct and not"
                + " inside one another: this environment is not reconciled until that is resolved,"
                + " and 'alpha', declared in an earlier file, keeps running");
  }

  @Test
  void treatsNestedTargetRootsAndDefaultPortsAsCollisions() {
    String outer = apart("alpha", 3001);
    String inner = apart("bravo", 3002).replace("/srv/sylvan/bravo", "/srv/sylvan/alpha/bravo");
    String defaults = minimal("charlie");
    String other =
        minimal("delta").replace("  environment: delta\n", "  environment: delta\n  name: d\n");

    SpecSnapshot snapshot =
        parseAll(
            "alpha.yaml",
            outer,
            "bravo.yaml",
            inner,
            "charlie.yaml",
            defaults,
            "delta.yaml",
            other);

    assertThat(snapshot.valid()).containsOnlyKeys("alpha", "charlie");
    assertThat(snapshot.invalid().get(0).errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("(nested with /srv/sylvan/alpha)"));
    // delta leaves its port at the default, as charlie does: reported where the spec names itself.
    assertThat(snapshot.invalid().get(1).errors())
        .singleElement()
        .hasToString(
            "delta.yaml:4:16: spec.process.port: port 3000 is also used by environment 'charlie'"
                + " (charlie.yaml:4:16); ports must be unique: this environment is not reconciled"
                + " until that is resolved, and 'charlie', declared in an earlier file, keeps"
                + " running");
  }

  @Test
  void anEnvironmentThatAlreadyRunsWinsACollisionWithANewcomerWhoseFileSortsFirst() {
    String running = apart("production", 3001);
    String newcomer = apart("aaa-preview", 3001);
    SpecParser knowing = new SpecParser(Map.of(), () -> List.of("production"));

    SpecSnapshot snapshot =
        knowing.parseAll("rev", Map.of("aaa-preview.yaml", newcomer, "production.yaml", running));

    assertThat(snapshot.valid()).containsOnlyKeys("production");
    assertThat(snapshot.invalid())
        .singleElement()
        .satisfies(
            held -> {
              assertThat(held.environment()).isEqualTo("aaa-preview");
              assertThat(held.problem()).isEqualTo(SpecSnapshot.Problem.CONFLICT);
              assertThat(held.errors().get(0).message())
                  .contains("'production', which already runs here, keeps running");
            });
  }

  /** Parses files given as name, content, name, content, ... in that order. */
  private SpecSnapshot parseAll(String... namesAndContents) {
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 0; i < namesAndContents.length; i += 2) {
      files.put(namesAndContents[i], namesAndContents[i + 1]);
    }
    return parser.parseAll("rev", files);
  }

  private static Path badFixtures() {
    try {
      return Path.of(SpecParserTest.class.getResource("/specs/bad").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
