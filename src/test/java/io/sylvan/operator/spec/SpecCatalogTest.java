package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecFixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

class SpecCatalogTest {

  /** Plays back a script of loads: a snapshot, or an exception to throw. */
  private static final class ScriptedSource implements SpecSource {
    final Deque<Object> outcomes = new ArrayDeque<>();

    @Override
    public SpecSnapshot load() throws SpecSourceException {
      Object next = outcomes.removeFirst();
      if (next instanceof SpecSourceException e) {
        throw e;
      }
      if (next instanceof RuntimeException e) {
        throw e;
      }
      return (SpecSnapshot) next;
    }

    @Override
    public String describe() {
      return "scripted";
    }
  }

  private static SpecSnapshot snapshot(String revision) {
    return new SpecParser().parseAll(revision, Map.of("production.yaml", minimal("production")));
  }

  @Test
  void keepsTheLastGoodSnapshotWhenTheSourceFailsAndClearsTheErrorOnSuccess() throws Exception {
    ScriptedSource source = new ScriptedSource();
    SpecCatalog catalog = new SpecCatalog(source);
    source.outcomes.add(snapshot("r1"));
    source.outcomes.add(new SpecSourceException("git fetch failed"));
    source.outcomes.add(snapshot("r2"));

    assertThat(catalog.current()).isEmpty();
    assertThat(catalog.refresh().revision()).isEqualTo("r1");

    Instant before = Instant.now();
    assertThatThrownBy(catalog::refresh).hasMessage("git fetch failed");
    assertThat(catalog.current()).get().extracting(SpecSnapshot::revision).isEqualTo("r1");
    assertThat(catalog.lastError())
        .get()
        .satisfies(
            e -> {
              assertThat(e.message()).isEqualTo("git fetch failed");
              assertThat(e.at()).isAfterOrEqualTo(before);
            });

    assertThat(catalog.refresh().revision()).isEqualTo("r2");
    assertThat(catalog.current()).get().extracting(SpecSnapshot::revision).isEqualTo("r2");
    assertThat(catalog.lastError()).isEmpty();
    assertThat(catalog.sourceDescription()).isEqualTo("scripted");
  }

  @Test
  void reservesTheOperatorsHttpPortAndALocalDatabasesPort() {
    Config config =
        new SmallRyeConfigBuilder()
            .withSources(
                new PropertiesConfigSource(
                    Map.of(
                        "quarkus.http.port", "8080",
                        "quarkus.datasource.jdbc.url",
                            "jdbc:postgresql://localhost:54321/postgres"),
                    "test",
                    500))
            .build();

    assertThat(SpecCatalog.reservedPorts(config))
        .containsOnlyKeys(8080, 54321)
        .hasEntrySatisfying(8080, v -> assertThat(v).contains("quarkus.http.port"));

    Config remoteDatabase =
        new SmallRyeConfigBuilder()
            .withSources(
                new PropertiesConfigSource(
                    Map.of("quarkus.datasource.jdbc.url", "jdbc:postgresql://db.internal:5432/ops"),
                    "test",
                    500))
            .build();
    assertThat(SpecCatalog.reservedPorts(remoteDatabase)).isEmpty();
  }

  @Test
  void recordsAnUnexpectedFailureOfTheSourceAsAnError() {
    ScriptedSource source = new ScriptedSource();
    SpecCatalog catalog = new SpecCatalog(source);
    source.outcomes.add(new IllegalStateException("disk on fire"));

    assertThatThrownBy(catalog::refresh)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("disk on fire");
    assertThat(catalog.current()).isEmpty();
    assertThat(catalog.lastError())
        .get()
        .extracting(e -> e.message())
        .asString()
        .contains("scripted");
  }
}
