package io.sylvan.operator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FmtTest {

  static final String SHA = "3ae25e51efe6c0a1b2c3d4e5f60718293a4b5c6d";

  @Test
  void aCommitOnAWebRepositoryLinksToItWithoutTheCredentialsOfTheUrl() {
    UiViews.Commit c = Fmt.commit(SHA, "https://deploy:ghp_secret123@github.com/acme/shop.git");

    assertThat(c.shortSha()).isEqualTo("3ae25e5");
    assertThat(c.url()).isEqualTo("https://github.com/acme/shop/commit/" + SHA);
    assertThat(c.url()).doesNotContain("ghp_secret123").doesNotContain("deploy");
  }

  @Test
  void aCommitOfARepositoryThatIsNoWebUrlHasNoLink() {
    assertThat(Fmt.commit(SHA, "git@github.com:acme/shop.git").url()).isNull();
    assertThat(Fmt.commit(SHA, "/srv/git/shop.git").url()).isNull();
    assertThat(Fmt.commit(SHA, "ssh://git@example.com/shop.git").url()).isNull();
    assertThat(Fmt.commit(SHA, null).url()).isNull();
  }

  @Test
  void noCommitIsShownAsADash() {
    assertThat(Fmt.commit(null, "https://github.com/acme/shop").shortSha()).isEqualTo("-");
  }

  @Test
  void durationsReadAsMillisecondsSecondsOrMinutes() {
    assertThat(Fmt.duration(null)).isEqualTo("-");
    assertThat(Fmt.duration(850L)).isEqualTo("850 ms");
    assertThat(Fmt.duration(12_340L)).isEqualTo("12.3 s");
    assertThat(Fmt.duration(245_000L)).isEqualTo("4 min 05 s");
  }
}
