package io.sylvan.operator.fleet;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.state.DatabaseMigration;
import io.sylvan.operator.state.LocalNode;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This operator as a node of the fleet: registers its name once the schema is current, renews its
 * lease every {@code sylvan.node.lease-renew} on a scheduler thread of its own (never the reconcile
 * loop's), and says whether this process may act as the node ({@link #selfReady()}). A name held by
 * another live instance is refused with an error naming that instance; this one stays NotReady and
 * tries again each renew period.
 */
@ApplicationScoped
public class NodeRegistry {

  private static final Logger LOG = Logger.getLogger(NodeRegistry.class);

  @Inject AgroalDataSource dataSource;
  @Inject LocalNode node;
  @Inject OperatorConfig config;
  @Inject DatabaseMigration migration;

  @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
  String version;

  private NodeLease lease;
  private volatile boolean stopping;
  // Last state logged, so a state that lasts is logged once, not every period.
  private String loggedHolder;
  private boolean loggedFailure;
  private boolean loggedReady;

  @PostConstruct
  void init() {
    lease =
        new NodeLease(
            dataSource,
            new NodeLease.Identity(node.name(), node.labels(), node.instanceId(), version),
            config.node().leaseExpiry());
  }

  /** After {@link DatabaseMigration} (priority 10), before the reconcile loop starts. */
  void onStart(@Observes @Priority(20) StartupEvent ev) {
    if (migration.migrated()) {
      attempt();
    }
  }

  /** After the reconcile loop stopped its runs (default priority): a restart may take over. */
  void onStop(@Observes @Priority(5000) ShutdownEvent ev) {
    stopping = true;
    try {
      lease.release();
    } catch (SQLException e) {
      LOG.debugf("node %s: releasing the lease: %s", node.name(), e.getMessage());
    }
  }

  @Scheduled(
      identity = "sylvan-node-lease",
      every = "${sylvan.node.lease-renew:10s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void renewTick() {
    if (!stopping && migration.migrated()) {
      attempt();
    }
  }

  /** Whether this process may act as its node now (see {@link NodeLease#selfReady()}). */
  public boolean selfReady() {
    return lease.selfReady();
  }

  /** This node's name. */
  public String name() {
    return node.name();
  }

  /** Every node of the fleet, Ready by PostgreSQL's clock. */
  public List<NodeInfo> list() throws SQLException {
    return lease.list();
  }

  /** Renews the lease now, or registers while the name is not held: what each period runs. */
  public synchronized void attempt() {
    boolean holds;
    try {
      holds = lease.tick();
      loggedFailure = false;
    } catch (SQLException | RuntimeException e) {
      if (!loggedFailure) {
        LOG.warnf(
            "node %s: lease not renewed (%s); no new pipeline starts once it is %s old",
            node.name(), DatabaseMigration.rootMessage(e), config.node().leaseExpiry());
        loggedFailure = true;
      }
      holds = false;
    }
    if (holds) {
      if (!loggedReady) {
        LOG.infof(
            "node %s registered (instance %s, labels %s): lease renewed every %s, expires after %s",
            node.name(),
            node.instanceId(),
            node.labels(),
            config.node().leaseRenew(),
            config.node().leaseExpiry());
        loggedReady = true;
        loggedHolder = null;
      }
      return;
    }
    lease.refusedBy().ifPresent(this::logRefused);
  }

  private void logRefused(NodeLease.Holder h) {
    if (Objects.equals(loggedHolder, h.instanceId())) {
      return;
    }
    loggedHolder = h.instanceId();
    loggedReady = false;
    LOG.errorf(
        "node name '%s' is held by another live operator instance (instance %s, started at %s,"
            + " lease renewed at %s): this operator stays NotReady and starts no pipeline; it"
            + " retries every %s. Give each operator its own sylvan.node.name (SYLVAN_NODE_NAME)",
        node.name(), h.instanceId(), h.startedAt(), h.renewedAt(), config.node().leaseRenew());
  }
}
