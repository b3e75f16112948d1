package io.sylvan.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactTest {

  @Test
  void absolute_paths_are_replaced() {
    assertThat(Redact.paths("cannot read /work/wt-api/deploy-specs: denied"))
        .isEqualTo("cannot read <path>: denied");
    assertThat(Redact.paths("/tmp/x.yaml and /srv/sylvan/production/current"))
        .isEqualTo("<path> and <path>");
  }

  @Test
  void credentials_in_urls_are_hidden() {
    assertThat(Redact.paths("jdbc:postgresql://app:s3cret@db.example:5432/ops"))
        .doesNotContain("s3cret")
        .doesNotContain("app:")
        .contains("//***@db.example:5432");
  }

  @Test
  void relative_paths_hosts_and_plain_text_stay() {
    assertThat(Redact.paths("deploy-specs/production.yaml: line 3"))
        .isEqualTo("deploy-specs/production.yaml: line 3");
    assertThat(Redact.paths("Connection to localhost:5432 refused"))
        .isEqualTo("Connection to localhost:5432 refused");
    assertThat(Redact.paths("https://git.example.com/sylvan/app.git"))
        .isEqualTo("https://git.example.com/sylvan/app.git");
    assertThat(Redact.paths(null)).isNull();
  }
}
