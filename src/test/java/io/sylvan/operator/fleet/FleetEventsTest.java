package io.sylvan.operator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LISTEN/NOTIFY between agents on a real PostgreSQL: transactional delivery, reconnects. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class FleetEventsTest {

  @Inject FleetEvents events;
  @Inject AgroalDataSource dataSource;

  static final List<String> received = new CopyOnWriteArrayList<>();
  static boolean registered;

  @BeforeEach
  void listen() {
    if (!registered) {
      events.onEnvironment(received::add);
      registered = true;
    }
    await().atMost(Duration.ofSeconds(10)).until(events::listening);
  }

  @Test
  void aNotifyPublishedInACommittedTransactionReachesTheListenerAndARolledBackOneDoesNot() {
    assertThatThrownBy(
            () ->
                QuarkusTransaction.requiringNew()
                    .run(
                        () -> {
                          publish("events-rolled-back");
                          throw new IllegalStateException("roll back");
                        }))
        .hasMessageContaining("roll back");
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              publish("events-committed");
              // Not delivered before the commit.
              sleep(700);
              assertThat(received).doesNotContain("events-committed");
            });

    await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("events-committed"));
    // Notifications arrive in commit order: the rolled-back one, had it been sent, would be here.
    assertThat(received).doesNotContain("events-rolled-back");
  }

  @Test
  void theListenerReconnectsAfterItsConnectionIsKilled() throws Exception {
    int before = events.listenerBackendPid();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("select pg_terminate_backend(?)")) {
      ps.setInt(1, before);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("terminated the LISTEN backend").isTrue();
      }
    }

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.listening() && events.listenerBackendPid() != before);
    events.publish("events-after-reconnect");

    await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("events-after-reconnect"));
  }

  private void publish(String env) {
    try {
      events.publish(env);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
