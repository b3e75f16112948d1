package io.sylvan.operator.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.panache.common.Sort;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One health check: the seed's {@code HealthCheckResult}. */
@Entity
@Table(name = "health_check_result")
public class HealthCheckRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(nullable = false)
  public String environment;

  /** The node whose app was checked; set by {@link DeploymentRecorder#saveHealth} when null. */
  @Column(nullable = false)
  public String node;

  /** Null for a check run on its own, outside a deployment. */
  @Column(name = "deployment_id")
  public Long deploymentId;

  @Column(nullable = false)
  public HealthStatus status;

  /** Check name ({@code http}, {@code api}, {@code performance}, {@code version}) to pass/fail. */
  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false)
  public Map<String, String> checks = new LinkedHashMap<>();

  @Column(name = "response_time_ms")
  public Long responseTimeMs;

  /** Resident memory of all instances, in MB (the seed's {@code memoryUsage}). */
  @Column(name = "memory_usage_mb")
  public Long memoryUsageMb;

  /** CPU of all instances, in percent of one core (the seed's {@code cpuUsage}). */
  @Column(name = "cpu_usage_percent")
  public Double cpuUsagePercent;

  /** The app's reported version and commit, when it reports them. */
  public String version;

  @Column(name = "git_commit")
  public String gitCommit;

  public String message;

  @Column(name = "checked_at", nullable = false)
  public Instant checkedAt;

  /** A row written without a node is this node's. */
  @jakarta.persistence.PrePersist
  void defaultNode() {
    if (node == null) {
      node = LocalNode.currentName();
    }
  }

  public static List<HealthCheckRecord> findByDeployment(long deploymentId) {
    return list("deploymentId", Sort.ascending("id"), deploymentId);
  }

  /** The latest {@code limit} checks of {@code environment} on every node, newest first. */
  public static List<HealthCheckRecord> findRecent(String environment, int limit) {
    return find("environment", Sort.descending("id"), environment).page(0, limit).list();
  }

  /** The latest check of {@code environment} on {@code node}. */
  public static Optional<HealthCheckRecord> findLatest(String environment, String node) {
    return find("environment = ?1 and node = ?2", Sort.descending("id"), environment, node)
        .firstResultOptional();
  }
}
