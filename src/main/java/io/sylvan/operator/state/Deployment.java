package io.sylvan.operator.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One pipeline run: the seed's {@code DeploymentState} with its {@code DeploymentError}. */
@Entity
@Table(name = "deployment")
public class Deployment extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(nullable = false)
  public String environment;

  /** The node that ran it; set by {@link DeploymentRecorder#start} when left null. */
  @Column(nullable = false)
  public String node;

  @Column(nullable = false)
  public DeploymentType type;

  @Column(nullable = false)
  public DeploymentStatus status;

  @Column(name = "started_at", nullable = false)
  public Instant startedAt;

  @Column(name = "ended_at")
  public Instant endedAt;

  @Column(name = "git_commit", nullable = false)
  public String gitCommit;

  /** The app's {@code package.json} version. */
  public String version;

  @Column(name = "previous_commit")
  public String previousCommit;

  @Column(name = "release_dir")
  public String releaseDir;

  @Column(name = "backup_path")
  public String backupPath;

  @Column(name = "log_file")
  public String logFile;

  @Column(name = "spec_revision")
  public String specRevision;

  /** A Next.js release's {@code .next/BUILD_ID} as its build wrote it. */
  @Column(name = "build_id")
  public String buildId;

  /** SHA-256 of the env file content the deployment ran with; never the content. */
  @Column(name = "env_hash")
  public String envHash;

  @Column(name = "build_id_source")
  public BuildIdSource buildIdSource;

  @Column(name = "error_step")
  public String errorStep;

  @Column(name = "error_message")
  public String errorMessage;

  @Column(name = "error_code")
  public String errorCode;

  @Column(nullable = false)
  public Trigger trigger;

  @Column(name = "opt_force", nullable = false)
  public boolean force;

  @Column(name = "opt_skip_backup", nullable = false)
  public boolean skipBackup;

  @Column(name = "opt_skip_health_check", nullable = false)
  public boolean skipHealthCheck;

  /** For a rollback: the deployment it undid. */
  @Column(name = "rollback_of")
  public Long rollbackOf;

  /** Why a person rolled back (given with the rollback); null otherwise. */
  public String reason;

  /** The operator instance that ran it (host and pid), for crash recovery. */
  @Column(name = "operator_id")
  public String operatorId;

  /** A row written without a node is this node's. */
  @jakarta.persistence.PrePersist
  void defaultNode() {
    if (node == null) {
      node = LocalNode.currentName();
    }
  }

  /** The latest deployment of {@code environment} on {@code node}, or on any node when null. */
  public static Optional<Deployment> findLatest(String environment, String node) {
    return node == null
        ? find("environment", Sort.descending("startedAt", "id"), environment).firstResultOptional()
        : find(
                "environment = ?1 and node = ?2",
                Sort.descending("startedAt", "id"),
                environment,
                node)
            .firstResultOptional();
  }

  /** The deployments of {@code node} still marked {@code in_progress}. */
  public static List<Deployment> findInProgress(String node) {
    return list("status = ?1 and node = ?2", DeploymentStatus.IN_PROGRESS, node);
  }

  /**
   * History newest first; each filter is optional. {@code beforeId} pages: rows older than that
   * one.
   */
  public static List<Deployment> findHistory(
      String environment, String node, DeploymentStatus status, Long beforeId, int limit) {
    StringBuilder q = new StringBuilder("1 = 1");
    Parameters p = new Parameters();
    if (environment != null) {
      q.append(" and environment = :env");
      p = p.and("env", environment);
    }
    if (node != null) {
      q.append(" and node = :node");
      p = p.and("node", node);
    }
    if (status != null) {
      q.append(" and status = :status");
      p = p.and("status", status);
    }
    if (beforeId != null) {
      q.append(" and id < :before");
      p = p.and("before", beforeId);
    }
    return find(q.toString(), Sort.descending("id"), p).page(0, limit).list();
  }
}
