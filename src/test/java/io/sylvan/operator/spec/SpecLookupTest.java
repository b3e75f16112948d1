package io.sylvan.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one spec lookup of the API's deploy and the CLI's actions, and its messages. */
class SpecLookupTest {

  private final SpecSnapshot snapshot =
      new SpecSnapshot(
          "dir:abc",
          Instant.now(),
          Map.of(),
          List.of(
              new SpecSnapshot.InvalidSpec(
                  "staging",
                  "staging.yaml",
                  List.of(new SpecError("staging.yaml", 1, 1, "spec", "bad")))));

  @Test
  void aValidSpecIsFound() {
    DeploySpec web = new SpecParser().parse("web.yaml", SpecFixtures.minimal("web")).spec();
    SpecSnapshot withWeb =
        new SpecSnapshot("dir:abc", Instant.now(), Map.of("web", web), List.of());
    SpecLookup lookup = SpecLookup.of(Optional.of(withWeb), "web");
    assertThat(lookup.found()).isTrue();
    assertThat(lookup.spec()).isSameAs(web);
    assertThat(lookup.problem()).isNull();
  }

  @Test
  void anInvalidSpecIsNamedAsInvalidWithWhereToLook() {
    SpecLookup lookup = SpecLookup.of(Optional.of(snapshot), "staging");
    assertThat(lookup.found()).isFalse();
    assertThat(lookup.invalid()).isTrue();
    assertThat(lookup.problem())
        .isEqualTo("the spec of staging is invalid; see GET /status/staging");
  }

  @Test
  void anUnknownEnvironmentIsNotInvalid() {
    SpecLookup lookup = SpecLookup.of(Optional.of(snapshot), "prod");
    assertThat(lookup.found()).isFalse();
    assertThat(lookup.invalid()).isFalse();
    assertThat(lookup.problem()).isEqualTo("no environment named 'prod'");
  }

  @Test
  void withoutASnapshotNoEnvironmentIsKnown() {
    SpecLookup lookup = SpecLookup.of(Optional.empty(), "prod");
    assertThat(lookup.found()).isFalse();
    assertThat(lookup.problem()).isEqualTo("no environment named 'prod'");
  }

  @Test
  void anEnvironmentPlacedOnOtherNodesIsNamedAsNotPlacedHere() {
    DeploySpec web = new SpecParser().parse("web.yaml", SpecFixtures.minimal("web")).spec();
    SpecSnapshot elsewhere =
        new SpecSnapshot("dir:abc", Instant.now(), Map.of(), List.of(), Map.of("web", web));

    SpecLookup lookup = SpecLookup.of(Optional.of(elsewhere), "web");

    assertThat(lookup.found()).isFalse();
    assertThat(lookup.invalid()).isFalse();
    assertThat(lookup.problem()).contains("'web' is not placed on this node (spec.placement)");
  }
}
