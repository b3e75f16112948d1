package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

  @Test
  void masksEveryDictionaryValueLongestFirst() {
    Redactor r = Redactor.of(List.of("s3cr3t", "s3cr3t-and-more", "hunter2"));
    assertThat(r.redact("a s3cr3t-and-more b s3cr3t c hunter2 d")).isEqualTo("a *** b *** c *** d");
  }

  @Test
  void leavesValuesShorterThanFourCharactersAndBlanksOutOfTheDictionary() {
    Redactor r = Redactor.of(java.util.Arrays.asList("on", "123", " ", "", null, "1234"));
    assertThat(r.size()).isEqualTo(1);
    assertThat(r.redact("on 123 1234 12345")).isEqualTo("on 123 *** ***5");
  }

  @Test
  void withAddsToTheDictionaryWithoutChangingTheOriginal() {
    Redactor operator = Redactor.of(List.of("operator-token"));
    Redactor env = operator.with(List.of("env-secret"));
    assertThat(env.redact("operator-token env-secret")).isEqualTo("*** ***");
    assertThat(operator.redact("operator-token env-secret")).isEqualTo("*** env-secret");
  }

  @Test
  void hidesCredentialsInUrlsAndPasswordParameters() {
    assertThat(Redactor.PATTERNS_ONLY.redact("fatal: https://u:t@h.example/x and ssh://git@h/y"))
        .isEqualTo("fatal: https://***@h.example/x and ssh://***@h/y");
    assertThat(Redactor.patterns("jdbc:postgresql://db/ops?user=ops&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/ops?user=ops&password=***&ssl=true");
    assertThat(Redactor.patterns("git@github.com:org/repo.git"))
        .isEqualTo("git@github.com:org/repo.git");
    assertThat(Redactor.patterns(null)).isNull();
  }

  @Test
  void neverRunsAcrossTheBoundaryOfAJsonString() throws Exception {
    // PM2's JSON listing passes the redactor: it must stay parseable.
    String json = "{\"a\":\"see http://x\",\"b\":\"y@z\",\"c\":\"password=p\",\"d\":\"e\"}";
    String redacted = Redactor.of(List.of("never")).redact(json);
    var tree = new ObjectMapper().readTree(redacted);
    assertThat(tree.get("b").asText()).isEqualTo("y@z");
    assertThat(tree.get("c").asText()).isEqualTo("password=***");
    assertThat(tree.get("d").asText()).isEqualTo("e");
  }

  @Test
  void publicTextAlsoLosesAbsolutePaths() {
    Redactor r = Redactor.PATTERNS_ONLY;
    assertThat(r.redactForPublic("cannot read /work/wt-api/deploy-specs: denied"))
        .isEqualTo("cannot read <path>: denied");
    assertThat(r.redactForPublic("/tmp/x.yaml and /srv/sylvan/production/current"))
        .isEqualTo("<path> and <path>");
    assertThat(r.redactForPublic("jdbc:postgresql://app:s3cret@db.example:5432/ops"))
        .doesNotContain("s3cret")
        .doesNotContain("app:")
        .contains("//***@db.example:5432");
  }

  @Test
  void publicTextKeepsRelativePathsHostsAndPlainText() {
    Redactor r = Redactor.PATTERNS_ONLY;
    assertThat(r.redactForPublic("deploy-specs/production.yaml: line 3"))
        .isEqualTo("deploy-specs/production.yaml: line 3");
    assertThat(r.redactForPublic("Connection to localhost:5432 refused"))
        .isEqualTo("Connection to localhost:5432 refused");
    assertThat(r.redactForPublic("https://git.example.com/sylvan/app.git"))
        .isEqualTo("https://git.example.com/sylvan/app.git");
    assertThat(r.redactForPublic(null)).isNull();
  }

  @Test
  void rememberedValuesAreMaskedByEveryRedactorButPlainWordsAndNumbersAreNot() {
    Redactor.remember(List.of("remembered-Hq2Zx9", "productionish", "123456789", "short"));

    assertThat(Redactor.PATTERNS_ONLY.redact("a remembered-Hq2Zx9 b")).isEqualTo("a *** b");
    assertThat(Redactor.of(List.of()).redact("productionish 123456789 short"))
        .isEqualTo("productionish 123456789 short");
  }

  @Test
  void longWordsWithoutUrlsAreRedactedInLinearTime() {
    // Minified bundles and base64 in build output are single words of megabytes. A pattern that
    // backtracks over them takes minutes (quadratic: a 32 KB word took 6 s); the bound is a hang's.
    String word = "a".repeat(1_000_000);
    String schemeWithoutUser = "b".repeat(500_000) + "://" + "c".repeat(500_000);
    Redactor r = Redactor.of(List.of("hunter2-secret"));

    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(20),
        () -> {
          assertThat(r.redact(word)).isEqualTo(word);
          assertThat(r.redactForPublic(schemeWithoutUser)).isEqualTo(schemeWithoutUser);
        });
    assertThat(r.redact("x".repeat(100) + " https://user:pw@host/x"))
        .endsWith(" https://***@host/x");
  }
}
