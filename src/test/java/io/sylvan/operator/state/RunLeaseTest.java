package io.sylvan.operator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Run leases on a real PostgreSQL: "agents" are lock instances with their own holder ids over the
 * same database, driven side by side; the operator's own lock and recorder show the fencing.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class RunLeaseTest {

  static final Duration LONG = Duration.ofSeconds(40);
  static final Duration SHORT = Duration.ofSeconds(1);
  // Renewal off: the test decides when a lease is renewed.
  static final Duration NEVER = Duration.ofHours(1);

  @Inject AgroalDataSource dataSource;
  @Inject EnvironmentLock locks;
  @Inject DeploymentRecorder recorder;
  @Inject LocalNode local;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  EnvironmentLock agent(DataSource ds, String node, Duration expiry, Duration renew) {
    return new EnvironmentLock(
        new RunLease(ds, node, UUID.randomUUID().toString(), expiry, Optional.empty()), renew);
  }

  static String env() {
    return "lease-" + System.nanoTime();
  }

  @Test
  void twoAgentsCannotBothHoldOnePairAndACleanReleaseFreesItAtOnce() throws Exception {
    String env = env();
    EnvironmentLock a = agent(dataSource, "web-1", LONG, NEVER);
    EnvironmentLock b = agent(dataSource, "web-1", LONG, NEVER);
    EnvironmentLock otherNode = agent(dataSource, "web-2", LONG, NEVER);

    EnvironmentLock.Held held = a.tryLock(env).orElseThrow();
    assertThat(b.tryLock(env)).isEmpty();
    // Another thread of the same agent is refused without asking the database.
    assertThat(a.tryLock(env)).isEmpty();
    // Another node deploys the same environment independently.
    try (EnvironmentLock.Held theirs = otherNode.tryLock(env).orElseThrow()) {
      assertThat(theirs.node()).isEqualTo("web-2");
    }

    held.close();
    EnvironmentLock.Held next = b.tryLock(env).orElseThrow();
    assertThat(next.token()).isGreaterThan(held.token());
    next.close();
    a.stop();
    b.stop();
    otherNode.stop();
  }

  @Test
  void aHolderWhoseConnectionIsKilledKeepsItsLeaseUntilItExpires() throws Exception {
    String env = env();
    try (OneConnection connection = new OneConnection(url)) {
      EnvironmentLock a = agent(connection.dataSource(), "web-1", SHORT, Duration.ofMillis(200));
      EnvironmentLock b = agent(dataSource, "web-1", SHORT, NEVER);
      EnvironmentLock.Held held = a.tryLock(env).orElseThrow();
      long pid = connection.pid();

      // What an advisory lock would not survive: its session ends.
      terminate(pid);
      for (int i = 0; i < 8; i++) {
        TimeUnit.MILLISECONDS.sleep(250);
        assertThat(b.tryLock(env)).as("attempt %d while a renews", i).isEmpty();
      }
      assertThat(connection.pid()).as("a renewed on a new session").isNotEqualTo(pid);
      assertThat(held.lost()).isFalse();

      // a stops renewing (its database out of reach): the lease ends by PostgreSQL's clock.
      a.stop();
      TimeUnit.MILLISECONDS.sleep(SHORT.toMillis() + 300);
      EnvironmentLock.Held taken = b.tryLock(env).orElseThrow();
      assertThat(taken.token()).isEqualTo(held.token() + 1);
      a.renewAll();
      assertThat(held.lost()).isTrue();
      taken.close();
      b.stop();
    }
  }

  @Test
  void afterExpiryAnotherAgentTakesThePairWithAHigherTokenAndTheOldHoldersStepWriteIsFenced()
      throws Exception {
    String env = TestRows.environment();
    EnvironmentLock.Held mine = locks.tryLock(env).orElseThrow();
    long id = recorder.start(TestRows.deployment(env, DeploymentStatus.IN_PROGRESS));
    long step = recorder.stepStarted(id, 1, "Build", "BUILD");
    recorder.stepFinished(step, StepStatus.COMPLETED, "ok", null);
    long running = recorder.stepStarted(id, 2, "Reload", "DEPLOY");

    // Stands in for sylvan.node.lease-expiry (40 s) of renewals that did not reach the database.
    sql(
        "update run_lease set expires_at = now() - interval '1 second'"
            + " where environment = '"
            + env
            + "'");
    EnvironmentLock other = agent(dataSource, local.name(), LONG, NEVER);
    EnvironmentLock.Held theirs = other.tryLock(env).orElseThrow();
    assertThat(theirs.token()).isGreaterThan(mine.token());

    assertThatThrownBy(() -> recorder.stepFinished(running, StepStatus.COMPLETED, "late", null))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining(env);
    assertThatThrownBy(() -> recorder.stepStarted(id, 3, "Health check", "POST_DEPLOY"))
        .isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> recorder.finish(id, DeploymentStatus.SUCCESS, d -> {}))
        .isInstanceOf(LeaseLostException.class);
    HealthCheckRecord health = new HealthCheckRecord();
    health.environment = env;
    health.deploymentId = id;
    health.status = HealthStatus.HEALTHY;
    health.checks = new java.util.LinkedHashMap<>();
    health.checkedAt = java.time.Instant.now();
    assertThatThrownBy(() -> recorder.saveHealth(health)).isInstanceOf(LeaseLostException.class);

    // Nothing of the fenced writes reached the database.
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              assertThat(DeploymentStepRecord.findByDeployment(id)).hasSize(2);
              assertThat(DeploymentStepRecord.<DeploymentStepRecord>findById(running).status)
                  .isEqualTo(StepStatus.RUNNING);
              assertThat(Deployment.<Deployment>findById(id).status)
                  .isEqualTo(DeploymentStatus.IN_PROGRESS);
              assertThat(HealthCheckRecord.findByDeployment(id)).isEmpty();
            });

    // The old holder's release leaves the new hold alone.
    mine.close();
    assertThat(locks.tryLock(env)).isEmpty();
    theirs.close();
    locks.tryLock(env).orElseThrow().close();
    other.stop();
  }

  @Test
  void theHoldersStepWritesPassWhileItHoldsTheLease() throws Exception {
    String env = TestRows.environment();
    try (EnvironmentLock.Held held = locks.tryLock(env).orElseThrow()) {
      long id = recorder.start(TestRows.deployment(env, DeploymentStatus.IN_PROGRESS));
      long step = recorder.stepStarted(id, 1, "Build", "BUILD");
      recorder.stepFinished(step, StepStatus.COMPLETED, "ok", null);
      recorder.finish(id, DeploymentStatus.SUCCESS, d -> {});
      assertThat(held.token()).isPositive();
    }
    // Without a hold nothing about a run is written.
    long id =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Deployment d = TestRows.deployment(env, DeploymentStatus.IN_PROGRESS);
                  d.node = local.name();
                  d.persist();
                  return d.id;
                });
    assertThatThrownBy(() -> recorder.stepStarted(id, 1, "Build", "BUILD"))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("holds its run lease");
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      ps.executeUpdate();
    }
  }

  private void terminate(long pid) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("select pg_terminate_backend(?)")) {
      ps.setInt(1, (int) pid);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next() && rs.getBoolean(1)).as("terminated backend %d", pid).isTrue();
      }
    }
  }

  /**
   * A data source of one session, as the old lock kept one for the run: reopened when it was closed
   * under it, so the test can kill exactly the holder's session.
   */
  static final class OneConnection implements AutoCloseable {
    private final String url;
    private Connection connection;

    OneConnection(String url) {
      this.url = url;
    }

    synchronized Connection physical() throws SQLException {
      if (connection == null || !connection.isValid(1)) {
        if (connection != null) {
          connection.close();
        }
        connection = DriverManager.getConnection(url, "postgres", "postgres");
      }
      return connection;
    }

    long pid() throws SQLException {
      try (PreparedStatement ps = physical().prepareStatement("select pg_backend_pid()");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }

    DataSource dataSource() {
      return new DataSource() {
        @Override
        public Connection getConnection() throws SQLException {
          Connection c = physical();
          // close() keeps the session: the next statement uses it again.
          return (Connection)
              Proxy.newProxyInstance(
                  Connection.class.getClassLoader(),
                  new Class<?>[] {Connection.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                      return null;
                    }
                    try {
                      return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
          return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
          return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
          return 0;
        }

        @Override
        public Logger getParentLogger() {
          return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
          throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
          return false;
        }
      };
    }

    @Override
    public synchronized void close() throws SQLException {
      if (connection != null) {
        connection.close();
      }
    }
  }
}
