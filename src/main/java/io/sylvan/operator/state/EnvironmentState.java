package io.sylvan.operator.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * The current state of one environment on one node (the pair an agent reconciles): what should run,
 * what runs, and why. Each agent writes only the rows of its own node ({@link LocalNode}).
 */
@Entity
@Table(name = "environment")
@IdClass(EnvironmentState.Key.class)
public class EnvironmentState extends PanacheEntityBase {

  /** The primary key: environment and node. */
  public static class Key implements Serializable {
    public String name;
    public String node;

    public Key() {}

    public Key(String name, String node) {
      this.name = name;
      this.node = node;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Objects.equals(name, k.name) && Objects.equals(node, k.node);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, node);
    }
  }

  @Id public String name;

  /** The node whose state this is ({@code ''} only for rows not yet adopted, see V4). */
  @Id public String node;

  @Column(name = "app_name")
  public String appName;

  @Column(name = "spec_file")
  public String specFile;

  @Column(name = "spec_revision")
  public String specRevision;

  @Column(name = "spec_valid", nullable = false)
  public boolean specValid = true;

  @Column(name = "desired_commit")
  public String desiredCommit;

  @Column(name = "actual_commit")
  public String actualCommit;

  @Column(name = "last_attempted_commit")
  public String lastAttemptedCommit;

  @Column(name = "last_applied_commit")
  public String lastAppliedCommit;

  @Column(name = "last_good_commit")
  public String lastGoodCommit;

  /** A commit that failed and was rolled back: not retried until the spec names another. */
  @Column(name = "failed_commit")
  public String failedCommit;

  /** Set by a manual rollback: the loop keeps this commit until the spec names another. */
  @Column(name = "pinned_commit")
  public String pinnedCommit;

  /** The desired commit when the pin was set; a different one in the spec lifts the pin. */
  @Column(name = "pinned_desired_commit")
  public String pinnedDesiredCommit;

  /** Why the person who set the pin rolled back; the deployment to the pin records it. */
  @Column(name = "pinned_reason")
  public String pinnedReason;

  @Column(name = "sync_status", nullable = false)
  public SyncStatus sync = SyncStatus.UNKNOWN;

  @Column(name = "health_status", nullable = false)
  public AppHealth health = AppHealth.UNKNOWN;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(name = "conditions", nullable = false)
  public List<Condition> conditions = new ArrayList<>();

  /** Effective suspension: by the spec ({@code reconcile.suspend}) or by a person. */
  @Column(nullable = false)
  public boolean suspended;

  /** Set by {@code POST /environments/{env}/suspend}, cleared by {@code /resume}. */
  @Column(name = "suspended_manually", nullable = false)
  public boolean suspendedManually;

  @Column(name = "observed_at")
  public Instant observedAt;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt = Instant.now();

  @Version public long version;

  /** A row written without a node is this node's. */
  @jakarta.persistence.PrePersist
  void defaultNode() {
    if (node == null) {
      node = LocalNode.currentName();
    }
  }

  /** The row of {@code name} on {@code node}. */
  public static Optional<EnvironmentState> findByName(String name, String node) {
    return findByIdOptional(new Key(name, node));
  }

  /** Environments that were deployed on {@code node} and still have a valid spec, oldest first. */
  public static List<EnvironmentState> listEstablished(String node) {
    return list(
        "node = ?1 and lastAppliedCommit is not null and specValid = true order by createdAt, name",
        node);
  }

  /** The rows of {@code node}, by environment name. */
  public static List<EnvironmentState> listAllByName(String node) {
    return list("node = ?1 order by name", node);
  }

  /** Every row of every node, by environment then node name: the fleet-wide status. */
  public static List<EnvironmentState> listAllNodes() {
    return list("order by name, node");
  }

  /** The rows of one environment, one per node, by node name. */
  public static List<EnvironmentState> listNodesOf(String name) {
    return list("name = ?1 order by node", name);
  }

  // Condition rules, after fluxcd/pkg runtime/conditions (setter.go): Reconciling and Stalled
  // never both hold.

  /** Ready True: the desired state serves. */
  public void markReady(String reason, String message) {
    set(Condition.READY, true, reason, message);
  }

  /** Ready False. */
  public void markNotReady(String reason, String message) {
    set(Condition.READY, false, reason, message);
  }

  /** Reconciling True: work is under way or retried; a Stalled True no longer holds. */
  public void markReconciling(String reason, String message) {
    set(Condition.RECONCILING, true, reason, message);
    if (stalled()) {
      set(Condition.STALLED, false, reason, message);
    }
  }

  /** Reconciling False: nothing is under way. */
  public void markNotReconciling(String reason, String message) {
    set(Condition.RECONCILING, false, reason, message);
  }

  /** Stalled True: nothing is done until the spec changes or a person acts; not Reconciling. */
  public void markStalled(String reason, String message) {
    set(Condition.STALLED, true, reason, message);
    set(Condition.RECONCILING, false, reason, "stalled");
  }

  /** Stalled False, whatever it was. */
  public void clearStalled(String reason, String message) {
    set(Condition.STALLED, false, reason, message);
  }

  public boolean stalled() {
    return condition(Condition.STALLED).map(Condition::status).orElse(false);
  }

  /** Sets a condition, keeping its transition time when its status did not change. */
  private void set(String type, boolean status, String reason, String message) {
    Instant now = Instant.now();
    List<Condition> next = new ArrayList<>();
    boolean found = false;
    for (Condition c : conditions) {
      if (c.type().equals(type)) {
        found = true;
        Instant since = c.status() == status ? c.lastTransitionTime() : now;
        next.add(new Condition(type, status, reason, message, since));
      } else {
        next.add(c);
      }
    }
    if (!found) {
      next.add(new Condition(type, status, reason, message, now));
    }
    conditions = next;
  }

  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }
}
