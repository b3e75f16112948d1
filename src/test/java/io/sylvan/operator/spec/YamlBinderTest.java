package io.sylvan.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The generic binder on its own, with a tiny schema of its own ({@link Server}) instead of the
 * AppDeployment rules: typed readers, defaults, unknown, duplicate and missing keys, tags, limits
 * and positions.
 */
class YamlBinderTest {

  private static final YamlBinder.Limits LIMITS = new YamlBinder.Limits(1024, 5, 10);

  /**
   * A tiny schema: {@code name} (required), {@code port}, {@code debug}, ... and {@code limits}.
   */
  record Server(
      String name,
      Integer port,
      Boolean debug,
      Duration timeout,
      Long memory,
      TimeUnit unit,
      List<String> tags,
      Integer maxClients) {}

  private YamlBinder binder;

  private Server bind(String yaml) {
    binder = new YamlBinder("server.yaml");
    var root = binder.load(yaml, LIMITS);
    if (binder.hasErrors()) {
      return null;
    }
    YamlSection top =
        binder.root(
            root,
            "a server",
            "a mapping with name",
            "name",
            "port",
            "debug",
            "timeout",
            "memory",
            "unit",
            "tags",
            "limits");
    if (top == null) {
      return null;
    }
    YamlSection limits = top.section("limits", false, "maxClients");
    Server server =
        new Server(
            top.string("name", true, null, v -> v.toUpperCase()),
            top.integer("port", 8000, 1024, 9999),
            top.bool("debug", false),
            top.duration("timeout", Duration.ofSeconds(5), Duration.ofSeconds(1)),
            top.size("memory", 1L << 20),
            top.choice("unit", TimeUnit.SECONDS, TimeUnit.SECONDS, TimeUnit.MINUTES),
            top.strings(
                "tags",
                List.of("default"),
                v -> {
                  if (v.contains(" ")) {
                    throw new InvalidValue("must be one word");
                  }
                  return v;
                }),
            limits.integer("maxClients", 10, 1, 100));
    return binder.hasErrors() ? null : server;
  }

  private List<String> errors() {
    return binder.errors().stream().map(SpecError::toString).toList();
  }

  @Test
  void readsEveryTypedValueAndRemembersWhereEachStands() {
    Server server =
        bind(
            """
            name: web
            port: 8080
            debug: true
            timeout: 2m
            memory: 512M
            unit: minutes
            tags: [a, b]
            limits:
              maxClients: 50
            """);

    assertThat(errors()).isEmpty();
    assertThat(server)
        .isEqualTo(
            new Server(
                "WEB",
                8080,
                true,
                Duration.ofMinutes(2),
                512L << 20,
                TimeUnit.MINUTES,
                List.of("a", "b"),
                50));
    assertThat(binder.positions())
        .containsEntry("name", new SpecParseResult.Position(1, 7))
        .containsEntry("tags[1]", new SpecParseResult.Position(7, 11))
        .containsEntry("limits.maxClients", new SpecParseResult.Position(9, 15));
  }

  @Test
  void fallsBackToTheDefaultsForAbsentKeysAndAnAbsentSection() {
    Server server = bind("name: web\n");

    assertThat(errors()).isEmpty();
    assertThat(server)
        .isEqualTo(
            new Server(
                "WEB",
                8000,
                false,
                Duration.ofSeconds(5),
                1L << 20,
                TimeUnit.SECONDS,
                List.of("default"),
                10));
    assertThat(binder.positions()).containsOnlyKeys("name");
  }

  @Test
  void reportsUnknownAndDuplicateKeysAndATypoWithTheKeyItResembles() {
    bind(
        """
        name: web
        prot: 8080
        name: api
        colour: blue
        limits:
          maxClient: 5
        """);

    assertThat(errors())
        .containsExactly(
            "server.yaml:2:1: prot: unknown key 'prot'; did you mean 'port'?",
            "server.yaml:3:1: name: duplicate key 'name' (first defined at line 1)",
            "server.yaml:4:1: colour: unknown key 'colour'; allowed keys here: name, port, debug,"
                + " timeout, memory, unit, tags, limits",
            "server.yaml:6:3: limits.maxClient: unknown key 'maxClient'; did you mean"
                + " 'maxClients'?");
  }

  @Test
  void collectsEveryWrongValueOfAFileInLineOrderWithFileLineColumn() {
    Server server =
        bind(
            """
            port: "8080"
            debug: yes
            timeout: 500ms
            memory: lots
            unit: hours
            tags: [ok, two words, [nested]]
            limits: [1]
            """);

    assertThat(server).isNull();
    assertThat(errors())
        .containsExactly(
            "server.yaml:1:1: name: is required",
            "server.yaml:1:7: port: expected an integer, got the string '8080'",
            "server.yaml:2:8: debug: expected true or false, got the boolean 'yes'",
            "server.yaml:3:10: timeout: must be at least 1s, got 500ms",
            "server.yaml:4:9: memory: expected a size like 1G, 512M or 300K (PM2's"
                + " max_memory_restart notation), got 'lots'",
            "server.yaml:5:7: unit: must be 'seconds' or 'minutes', got 'hours'",
            "server.yaml:6:12: tags[1]: must be one word",
            "server.yaml:6:23: tags[2]: expected a single value, got a list",
            "server.yaml:7:9: limits: expected a mapping, got a list");
  }

  @Test
  void tellsAnEmptyRequiredValueFromAMissingOneAndReportsRangesAndEmptyStrings() {
    bind(
        """
        name:
        port: 80
        tags: ['']
        """);

    assertThat(errors())
        .containsExactly(
            "server.yaml:1:1: name: is required but empty",
            "server.yaml:2:7: port: must be between 1024 and 9999, got 80",
            "server.yaml:3:8: tags[0]: must not be empty");
  }

  @Test
  void refusesCustomTagsAndQuotesValuesOnlyAsAShortRedactedExcerpt() {
    bind(
        """
        name: !custom ls
        port: https://user:secret@example.com/a/very/long/path/that/goes/on
        debug: PASSWORD=hunter2
        """);

    assertThat(errors())
        .containsExactly(
            "server.yaml:1:7: name: the tag !custom is not allowed; use plain values",
            "server.yaml:2:7: port: expected an integer, got the string"
                + " 'https://***@example.com/a/very/long/path...' (61 characters)",
            "server.yaml:3:8: debug: expected true or false, got the string 'PASSWORD=***'");
  }

  @Test
  void reportsAnEmptyDocumentAndOneThatIsNoMappingOnTheFile() {
    bind("");
    assertThat(errors())
        .containsExactly("server.yaml:1:1: (file): the file is empty; expected a server");

    bind("\n- a\n- b\n");
    assertThat(errors())
        .containsExactly("server.yaml:2:1: (file): expected a mapping with name, got a list");
  }

  @Test
  void reportsSyntaxErrorsAtTheirPositionWithoutQuotingTheFile() {
    bind("name: web\ntags: [a, b\nport: 1\n");

    assertThat(binder.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.field()).isEqualTo(SpecError.YAML);
              assertThat(e.line()).isEqualTo(3);
              assertThat(e.message()).doesNotContain("name: web");
            });
  }

  @Test
  void appliesItsLimitsToSizeAliasesAndNestingBeforeBindingAnything() {
    bind("name: " + "x".repeat(1100) + "\n");
    assertThat(errors()).containsExactly("server.yaml:1:1: (file): the file is larger than 1 KiB");

    bind("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n");
    assertThat(errors())
        .containsExactly(
            "server.yaml:1:1: (file): more than 5 aliases to lists or mappings; aliases are limited"
                + " to stop expansion bombs");

    bind("tags: " + "[".repeat(12) + "]".repeat(12) + "\n");
    assertThat(errors()).containsExactly("server.yaml:1:1: (file): nested deeper than 10 levels");
  }
}
