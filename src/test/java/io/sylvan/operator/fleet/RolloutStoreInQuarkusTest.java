package io.sylvan.operator.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.fleet.RolloutStep.Decision;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store as the operator gets it: a CDI bean on the Agroal pool, whose connections it commits
 * itself (outside any JTA transaction). The rollout rules are in {@link RolloutStoreTest}.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class RolloutStoreInQuarkusTest {

  @Inject RolloutStore store;

  @Test
  void theInjectedStoreCommitsItsOwnTransactionsOnThePooledConnections() throws Exception {
    String env = "quarkus-fleet-" + System.nanoTime();
    RolloutState r = store.ensure(env, "c1", "c0", List.of("q-1", "q-2"), RolloutPolicy.DEFAULT);

    assertThat(store.admit(r.id(), "q-1", "c0").decision()).isEqualTo(Decision.PROCEED);
    assertThat(store.admit(r.id(), "q-2", "c0").decision()).isEqualTo(Decision.WAIT);
    assertThat(store.pause(env).orElseThrow().phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(store.active(env).orElseThrow().node("q-1").orElseThrow().state())
        .isEqualTo(RolloutNodeState.UPDATING);
  }
}
