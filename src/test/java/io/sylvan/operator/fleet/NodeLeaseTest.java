package io.sylvan.operator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.ProcessIdentity;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Node leases on a real PostgreSQL: several instances driven side by side, each with its own
 * instance id, with one-second leases so expiry is seen in the test.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class NodeLeaseTest {

  static final Duration SHORT = Duration.ofSeconds(1);

  @Inject AgroalDataSource dataSource;
  @Inject NodeRegistry registry;

  NodeLease instance(String name, Duration expiry, Optional<ProcessIdentity> process) {
    return new NodeLease(
        dataSource,
        new NodeLease.Identity(
            name, Map.of("role", "web"), UUID.randomUUID().toString(), "test-version"),
        expiry,
        process);
  }

  NodeInfo row(NodeLease lease, String name) throws Exception {
    return lease.list().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theOperatorRegistersItsNodeAtStartAndIsReady() throws Exception {
    assertThat(registry.selfReady()).isTrue();
    NodeInfo self = registry.list().stream().filter(NodeInfo::self).findFirst().orElseThrow();
    assertThat(self.name()).isEqualTo(registry.name());
    assertThat(self.ready()).isTrue();
    assertThat(self.operatorVersion()).isNotBlank().isNotEqualTo("unknown");
  }

  @Test
  void aRenewedLeaseStaysReadyAndALeaseNotRenewedExpiresByTheDatabaseClock() throws Exception {
    NodeLease lease = instance("lease-renew", SHORT, Optional.empty());
    assertThat(lease.register()).isTrue();
    assertThat(lease.selfReady()).isTrue();
    for (int i = 0; i < 3; i++) {
      TimeUnit.MILLISECONDS.sleep(600);
      assertThat(lease.renew()).isTrue();
      assertThat(lease.selfReady()).isTrue();
      assertThat(row(lease, "lease-renew").ready()).isTrue();
    }
    NodeInfo info = row(lease, "lease-renew");
    assertThat(info.labels()).containsEntry("role", "web");
    assertThat(info.operatorVersion()).isEqualTo("test-version");
    assertThat(info.self()).isTrue();
    assertThat(info.leaseAgeSeconds()).isLessThan(1.0);

    TimeUnit.MILLISECONDS.sleep(1200);

    assertThat(lease.selfReady()).isFalse();
    assertThat(row(lease, "lease-renew").ready()).isFalse();
    assertThat(row(lease, "lease-renew").leaseAgeSeconds()).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void aSecondInstanceWithTheSameNameIsRefusedWhileTheFirstIsLiveAndTakesOverAfterItExpired()
      throws Exception {
    NodeLease first = instance("lease-twice", SHORT, Optional.empty());
    NodeLease second = instance("lease-twice", SHORT, Optional.empty());
    assertThat(first.register()).isTrue();

    assertThat(second.register()).isFalse();
    assertThat(second.selfReady()).isFalse();
    assertThat(second.refusedBy())
        .get()
        .extracting(NodeLease.Holder::instanceId)
        .isEqualTo(first.identity().instanceId());
    assertThat(first.renew()).isTrue();
    assertThat(second.tick()).isFalse();
    assertThat(first.selfReady()).isTrue();

    // The first stops renewing (a dead or cut-off process): once its lease expired by the
    // database's clock the second takes the name, and the first learns it lost it.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(second::register);
    assertThat(second.selfReady()).isTrue();
    assertThat(first.renew()).isFalse();
    assertThat(first.selfReady()).isFalse();
    assertThat(first.refusedBy())
        .get()
        .extracting(NodeLease.Holder::instanceId)
        .isEqualTo(second.identity().instanceId());
    assertThat(row(second, "lease-twice").self()).isTrue();
    assertThat(row(first, "lease-twice").self()).isFalse();
  }

  @Test
  void aRestartOnThisMachineTakesTheNameAtOnceFromAHolderWhoseProcessIsGone() throws Exception {
    // A real process that exited stands for an operator killed with -9 (its lease still live).
    // It is read while still running (a process that already exited has no start time to read).
    Process gone = new ProcessBuilder("sleep", "60").start();
    ProcessIdentity me = ProcessIdentity.self().orElseThrow();
    long goneStart = gone.info().startInstant().orElseThrow().toEpochMilli();
    gone.destroyForcibly().waitFor();
    NodeLease dead =
        instance(
            "lease-restart",
            Duration.ofMinutes(5),
            Optional.of(new ProcessIdentity(me.machine(), gone.pid(), goneStart)));
    assertThat(dead.register()).isTrue();

    NodeLease restarted = instance("lease-restart", Duration.ofMinutes(5), Optional.of(me));

    assertThat(restarted.register()).isTrue();
    assertThat(restarted.selfReady()).isTrue();
    assertThat(dead.renew()).isFalse();
  }

  @Test
  void aHolderWhoseProcessStillRunsOnThisMachineKeepsTheName() throws Exception {
    Process alive = new ProcessBuilder("sleep", "60").start();
    try {
      ProcessIdentity me = ProcessIdentity.self().orElseThrow();
      long start = alive.info().startInstant().orElseThrow().toEpochMilli();
      NodeLease holder =
          instance(
              "lease-alive",
              Duration.ofMinutes(5),
              Optional.of(new ProcessIdentity(me.machine(), alive.pid(), start)));
      assertThat(holder.register()).isTrue();

      NodeLease other = instance("lease-alive", Duration.ofMinutes(5), Optional.of(me));

      assertThat(other.register()).isFalse();
      assertThat(holder.renew()).isTrue();
    } finally {
      alive.destroyForcibly().waitFor();
    }
  }

  @Test
  void aCleanStopReleasesTheLeaseSoARestartTakesTheNameAtOnce() throws Exception {
    NodeLease first = instance("lease-release", Duration.ofMinutes(5), Optional.empty());
    NodeLease second = instance("lease-release", Duration.ofMinutes(5), Optional.empty());
    assertThat(first.register()).isTrue();
    assertThat(second.register()).isFalse();

    first.release();

    assertThat(first.selfReady()).isFalse();
    assertThat(row(second, "lease-release").ready()).isFalse();
    assertThat(second.register()).isTrue();
  }
}
