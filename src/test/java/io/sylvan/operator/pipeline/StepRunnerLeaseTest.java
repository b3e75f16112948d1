package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.EnvironmentLock;
import io.sylvan.operator.state.LeaseLostException;
import io.sylvan.operator.state.LocalNode;
import io.sylvan.operator.state.RunLease;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.TestRows;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A run whose lease is taken over while a step runs stops at its next write: the step's end is
 * refused, and the next step's command never starts.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class StepRunnerLeaseTest {

  @Inject StepRunner steps;
  @Inject DeploymentRecorder recorder;
  @Inject EnvironmentLock locks;
  @Inject ToolboxProducer tools;
  @Inject LocalNode local;
  @Inject AgroalDataSource dataSource;

  @Test
  void aRunWhoseLeaseIsTakenOverStopsBeforeItsNextCommand() throws Exception {
    String env = TestRows.environment();
    Path work = Files.createTempDirectory("sylvan-lease-");
    DeploySpec spec =
        TestSpecs.parse(
            env,
            TestSpecs.yaml(env, "lease-app", work.resolve("repo"), TestRows.SHA, work, 3999, ""));
    EnvironmentLock other =
        new EnvironmentLock(
            new RunLease(
                dataSource,
                local.name(),
                UUID.randomUUID().toString(),
                Duration.ofSeconds(40),
                Optional.empty()),
            Duration.ofHours(1));
    AtomicBoolean secondRan = new AtomicBoolean();
    try (EnvironmentLock.Held held = locks.tryLock(env).orElseThrow();
        DeploymentLog log = new DeploymentLog(work.resolve("deploy.log"), env)) {
      long id = recorder.start(TestRows.deployment(env, DeploymentStatus.IN_PROGRESS));
      DeploymentContext ctx =
          new DeploymentContext(
              spec,
              TestRows.SHA,
              DeploymentType.UPDATE,
              DeployOptions.NONE,
              tools.get(),
              log,
              id,
              work.resolve("releases/x"),
              Optional.empty());
      Step takenOverMeanwhile =
          step(
              "Building application",
              () -> {
                // Stands in for renewals that did not reach the database for the whole expiry.
                sql(
                    "update run_lease set expires_at = now() - interval '1 second'"
                        + " where environment = '"
                        + env
                        + "'");
                other.tryLock(env).orElseThrow();
              });
      Step next = step("Reloading application", () -> secondRan.set(true));

      assertThatThrownBy(() -> steps.run(ctx, List.of(takenOverMeanwhile, next), null))
          .isInstanceOf(LeaseLostException.class);

      assertThat(secondRan).isFalse();
      List<DeploymentStepRecord> rows =
          QuarkusTransaction.requiringNew().call(() -> DeploymentStepRecord.findByDeployment(id));
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).status).isEqualTo(StepStatus.RUNNING);
      assertThat(held.token()).isPositive();
    } finally {
      other.stop();
    }
  }

  interface Body {
    void run() throws Exception;
  }

  static Step step(String name, Body body) {
    return new Step() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Phase phase() {
        return Phase.BUILD;
      }

      @Override
      public String run(DeploymentContext ctx) {
        try {
          body.run();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return "";
      }
    };
  }

  private void sql(String statement) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      ps.executeUpdate();
    }
  }
}
