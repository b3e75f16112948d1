package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RollbackReasonTest {

  @Test
  void aBlankReasonIsNone() {
    assertThat(EnvironmentActions.reason(null)).isNull();
    assertThat(EnvironmentActions.reason("  \n ")).isNull();
  }

  @Test
  void aReasonIsKeptAsOneLineCutToItsMaximumLength() {
    assertThat(EnvironmentActions.reason("  checkout 500s\nsince 3ae25e5 "))
        .isEqualTo("checkout 500s since 3ae25e5");
    assertThat(EnvironmentActions.reason("x".repeat(900)))
        .hasSize(EnvironmentActions.MAX_REASON_LENGTH);
  }

  @Test
  void credentialsInAPastedUrlAreMasked() {
    String reason =
        EnvironmentActions.reason("see https://ops:hunter2secret@grafana.example.com/d/1");

    assertThat(reason).doesNotContain("hunter2secret").contains("grafana.example.com");
  }
}
