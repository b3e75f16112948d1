package io.sylvan.operator.state;

import io.agroal.api.AgroalDataSource;
import io.sylvan.operator.config.OperatorConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One pipeline at a time per (environment, node), across every operator instance sharing the
 * database (two processes claiming one node name included): a {@code run_lease} row held by this
 * process ({@link LocalNode#instanceId()}), renewed every {@code sylvan.node.lease-renew} on a
 * daemon thread of its own while the run lasts and expiring {@code sylvan.node.lease-expiry} after
 * its last renewal. Unlike a session lock it survives a dropped connection; in exchange every write
 * about the run checks the hold's token ({@link DeploymentRecorder}), so a run whose lease expired
 * and was taken over is stopped at its next write.
 */
@ApplicationScoped
public class EnvironmentLock {

  private static final Logger LOG = Logger.getLogger(EnvironmentLock.class);

  @Inject AgroalDataSource dataSource;
  @Inject LocalNode node;
  @Inject OperatorConfig config;

  private RunLease lease;
  private Duration renewEvery;
  private ScheduledExecutorService ticker;

  /** Holds of this process, so two threads of one operator never even ask twice. */
  private final Map<String, Held> local = new ConcurrentHashMap<>();

  /** For CDI. */
  public EnvironmentLock() {}

  /** A second "agent" in a test: its own holder id over the same database. */
  public EnvironmentLock(RunLease lease, Duration renewEvery) {
    this.lease = lease;
    this.renewEvery = renewEvery;
  }

  @PostConstruct
  void init() {
    lease = new RunLease(dataSource, node.name(), node.instanceId(), config.node().leaseExpiry());
    renewEvery = config.node().leaseRenew();
  }

  /** Stops renewing (leases then expire); for CDI and for test instances. */
  @PreDestroy
  public synchronized void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }

  /** A held lease; closing it releases the pair at once. */
  public final class Held implements AutoCloseable {
    private final String environment;
    private final long token;
    private volatile boolean lost;
    private volatile boolean released;

    private Held(String environment, long token) {
      this.environment = environment;
      this.token = token;
    }

    public String environment() {
      return environment;
    }

    public String node() {
      return lease.node();
    }

    public String holder() {
      return lease.holder();
    }

    /** The fencing token: grows with every acquisition of the pair. */
    public long token() {
      return token;
    }

    /** The renewal found the pair taken over: writes about the run will be refused. */
    public boolean lost() {
      return lost;
    }

    @Override
    public synchronized void close() {
      if (released) {
        return;
      }
      released = true;
      local.remove(environment, this);
      try {
        lease.release(environment, token);
      } catch (SQLException e) {
        // Not released: the lease expires by itself.
        LOG.warnf("run lease of %s not released (it expires): %s", environment, e.getMessage());
      }
    }
  }

  /** The lock, or empty when another thread or operator instance holds it. */
  public Optional<Held> tryLock(String environment) throws SQLException {
    Held placeholder = new Held(environment, -1);
    if (local.putIfAbsent(environment, placeholder) != null) {
      return Optional.empty();
    }
    try {
      Optional<Long> token = lease.acquire(environment);
      if (token.isEmpty()) {
        local.remove(environment, placeholder);
        return Optional.empty();
      }
      Held held = new Held(environment, token.get());
      local.replace(environment, placeholder, held);
      startTicker();
      return Optional.of(held);
    } catch (SQLException | RuntimeException e) {
      local.remove(environment, placeholder);
      throw e;
    }
  }

  /** This process's hold of {@code environment} on its node, while a run holds it. */
  public Optional<Held> held(String environment) {
    Held h = local.get(environment);
    return h == null || h.token < 0 ? Optional.empty() : Optional.of(h);
  }

  /** The node the leases of this process are for. */
  public String node() {
    return lease.node();
  }

  private synchronized void startTicker() {
    if (ticker != null) {
      return;
    }
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "run-lease-renewal");
              t.setDaemon(true);
              return t;
            });
    long ms = renewEvery.toMillis();
    ticker.scheduleWithFixedDelay(this::renewAll, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** One renewal period: a failed statement is retried next period (the expiry decides). */
  void renewAll() {
    for (Held h : local.values()) {
      if (h.token < 0 || h.lost) {
        continue;
      }
      try {
        if (!lease.renew(h.environment, h.token) && !h.released) {
          h.lost = true;
          LOG.warnf(
              "[%s] the run lease (token %d) was taken over by another operator process; the run"
                  + " stops at its next step",
              h.environment, h.token);
        }
      } catch (SQLException | RuntimeException e) {
        LOG.warnf("[%s] run lease not renewed: %s", h.environment, e.getMessage());
      }
    }
  }
}
