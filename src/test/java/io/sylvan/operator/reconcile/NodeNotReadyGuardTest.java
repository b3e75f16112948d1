package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.fleet.NodeRegistry;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.Reasons;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * While another live process holds this operator's node name, a reconcile starts nothing and writes
 * nothing; once the name is back, the node is Ready again.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class NodeNotReadyGuardTest {

  @Inject NodeRegistry registry;
  @Inject Reconciler reconciler;
  @Inject AgroalDataSource dataSource;

  @Test
  void aNodeWhoseNameAnotherLiveInstanceTookStartsNoPipelineAndWritesNoStatus() throws Exception {
    assertThat(registry.selfReady()).isTrue();
    EnvironmentState before = environment("production");
    long deployments = deployments();
    try {
      // Another operator process took the name (our lease had expired) and renews it.
      sql(
          "update node set instance_id = 'another-instance', process = null, renewed_at = now(),"
              + " lease_seconds = 600 where name = ?");
      registry.attempt();
      assertThat(registry.selfReady()).isFalse();

      ReconcileResult result = reconciler.reconcile("production", ReconcileRequest.scheduled());

      assertThat(result.kind()).isEqualTo(ReconcileResult.Kind.REQUEUE);
      assertThat(result.reason()).isEqualTo(Reasons.NODE_NOT_READY);
      assertThat(result.message()).contains(registry.name());
      assertThat(deployments()).isEqualTo(deployments);
      EnvironmentState after = environment("production");
      assertThat(after.observedAt).isEqualTo(before.observedAt);
      assertThat(after.conditions).isEqualTo(before.conditions);
    } finally {
      // The other instance's lease ends: this one takes its name back.
      sql("update node set renewed_at = now() - interval '1 hour' where name = ?");
      registry.attempt();
    }
    assertThat(registry.selfReady()).isTrue();
  }

  private EnvironmentState environment(String name) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                EnvironmentState.findByName(name, io.sylvan.operator.state.TestRows.node())
                    .orElseThrow());
  }

  private long deployments() {
    return QuarkusTransaction.requiringNew()
        .call(() -> io.sylvan.operator.state.Deployment.count());
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      ps.setString(1, registry.name());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }
}
