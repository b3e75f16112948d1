package io.sylvan.operator.state;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Records deployments, steps and health results as they happen. Each call is its own short
 * transaction: no transaction stays open while a command runs. Every write about a running
 * deployment is fenced: it commits only while this process holds the run lease of the deployment's
 * (environment, node) with the token it took ({@link EnvironmentLock}), else it throws {@link
 * LeaseLostException} and writes nothing.
 */
@ApplicationScoped
@Transactional
public class DeploymentRecorder {

  @Inject LocalNode local;
  @Inject EnvironmentLock locks;

  /**
   * Inserts a deployment in status {@code in_progress}, on this node unless the row names one; the
   * environment row of that node must exist.
   */
  public long start(Deployment d) {
    if (d.node == null) {
      d.node = local.name();
    }
    d.status = DeploymentStatus.IN_PROGRESS;
    if (d.startedAt == null) {
      d.startedAt = Instant.now();
    }
    if (d.reason == null) {
      // A run to the commit a person pinned is their rollback: it carries their reason.
      EnvironmentState.findByName(d.environment, d.node)
          .filter(e -> d.gitCommit.equals(e.pinnedCommit))
          .ifPresent(e -> d.reason = e.pinnedReason);
    }
    d.persist();
    return d.id;
  }

  public long stepStarted(long deploymentId, int seq, String name, String phase) {
    fence(deploymentId);
    DeploymentStepRecord s = new DeploymentStepRecord();
    s.deploymentId = deploymentId;
    s.seq = seq;
    s.name = name;
    s.phase = phase;
    s.status = StepStatus.RUNNING;
    s.startedAt = Instant.now();
    s.persist();
    return s.id;
  }

  public void stepFinished(long stepId, StepStatus status, String output, String error) {
    DeploymentStepRecord s = DeploymentStepRecord.findById(stepId);
    fence(s.deploymentId);
    s.status = status;
    s.endedAt = Instant.now();
    s.durationMs = Duration.between(s.startedAt, s.endedAt).toMillis();
    s.output = DeploymentStepRecord.tail(output);
    s.error = error;
  }

  public void stepSkipped(long deploymentId, int seq, String name, String phase, String reason) {
    fence(deploymentId);
    DeploymentStepRecord s = new DeploymentStepRecord();
    s.deploymentId = deploymentId;
    s.seq = seq;
    s.name = name;
    s.phase = phase;
    s.status = StepStatus.SKIPPED;
    s.output = reason;
    s.persist();
  }

  /** Sets the outcome; {@code update} may fill version, backup path and error fields. */
  public void finish(
      long deploymentId, DeploymentStatus status, java.util.function.Consumer<Deployment> update) {
    Deployment d = fence(deploymentId);
    d.status = status;
    d.endedAt = Instant.now();
    update.accept(d);
  }

  public void markRolledBack(long deploymentId) {
    Deployment d = fence(deploymentId);
    d.status = DeploymentStatus.ROLLED_BACK;
  }

  public void saveHealth(HealthCheckRecord record) {
    if (record.node == null) {
      record.node = local.name();
    }
    if (record.deploymentId != null) {
      fence(record.environment, record.node);
    }
    record.persist();
  }

  /** Environments with a deployment of this node still marked {@code in_progress}. */
  public List<String> environmentsInProgress() {
    return Deployment.findInProgress(local.name()).stream()
        .map(d -> d.environment)
        .distinct()
        .toList();
  }

  /**
   * The release directories of this node's deployments of {@code environment} still {@code
   * in_progress}.
   */
  public List<String> releaseDirsInProgress(String environment) {
    return Deployment.<Deployment>list(
            "environment = ?1 and node = ?2 and status = ?3",
            environment,
            local.name(),
            DeploymentStatus.IN_PROGRESS)
        .stream()
        .map(d -> d.releaseDir)
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /**
   * Closes this node's deployments of {@code environment} left {@code in_progress} by an operator
   * that died (the caller holds the environment's lock, so none of them is still running), as
   * failed with {@code code}. Returns how many it closed.
   */
  public int closeInterrupted(String environment, String code, String message) {
    List<Deployment> open =
        Deployment.list(
            "environment = ?1 and node = ?2 and status = ?3",
            environment,
            local.name(),
            DeploymentStatus.IN_PROGRESS);
    for (Deployment d : open) {
      d.status = DeploymentStatus.FAILED;
      d.endedAt = Instant.now();
      d.errorCode = code;
      d.errorMessage = message;
      DeploymentStepRecord.<DeploymentStepRecord>list(
              "deploymentId = ?1 and status = ?2", d.id, StepStatus.RUNNING)
          .forEach(
              s -> {
                s.status = StepStatus.FAILED;
                s.endedAt = d.endedAt;
                s.error = message;
              });
    }
    return open.size();
  }

  private Deployment fence(long deploymentId) {
    Deployment d = Deployment.findById(deploymentId);
    fence(d.environment, d.node);
    return d;
  }

  /**
   * Refuses the write of this transaction unless this process holds the run lease of ({@code
   * environment}, {@code node}) with its token. The lease row is share-locked until the write
   * commits, so a takeover cannot slip in between the check and the write.
   */
  private void fence(String environment, String node) {
    EnvironmentLock.Held held =
        locks
            .held(environment)
            .filter(h -> h.node().equals(node))
            .orElseThrow(
                () ->
                    new LeaseLostException(
                        "no run of "
                            + environment
                            + " on node "
                            + node
                            + " holds its run lease in this operator process"));
    if (held.lost()
        || Deployment.getEntityManager()
            .createNativeQuery(
                "select token from run_lease where environment = ?1 and node = ?2"
                    + " and holder = ?3 and token = ?4 for share")
            .setParameter(1, environment)
            .setParameter(2, node)
            .setParameter(3, held.holder())
            .setParameter(4, held.token())
            .getResultList()
            .isEmpty()) {
      throw new LeaseLostException(environment, node, held.token());
    }
  }
}
