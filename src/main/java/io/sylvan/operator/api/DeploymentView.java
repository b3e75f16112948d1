package io.sylvan.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sylvan.operator.state.BuildIdSource;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A deployment as the API shows it; {@code steps} and {@code healthChecks} only in detail. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeploymentView(
    long id,
    String environment,
    String node,
    DeploymentType type,
    DeploymentStatus status,
    String gitCommit,
    String version,
    String buildId,
    BuildIdSource buildIdSource,
    String envHash,
    String previousCommit,
    Instant startTime,
    Instant endTime,
    Long durationMs,
    Trigger trigger,
    Options options,
    String backupPath,
    Long rollbackOf,
    String reason,
    Error error,
    List<Step> steps,
    List<HealthCheck> healthChecks) {

  public record Options(boolean force, boolean skipBackup, boolean skipHealthCheck) {}

  /** The seed's {@code DeploymentError}. */
  public record Error(String step, String message, String code) {}

  /** The seed's {@code DeploymentStep}, plus its phase. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Step(
      int seq,
      String name,
      String phase,
      StepStatus status,
      Instant startTime,
      Instant endTime,
      Long duration,
      String output,
      String error) {}

  /**
   * The seed's {@code HealthCheckResult}. Named apart in /q/openapi: SmallRye Health's own {@code
   * HealthCheck} schema (UP/DOWN) would replace it.
   */
  @Schema(name = "DeploymentHealthCheck")
  public record HealthCheck(
      HealthStatus status,
      Map<String, String> checks,
      Metrics metrics,
      String version,
      String commit,
      String message,
      Instant timestamp) {}

  public record Metrics(Long responseTime, Long memoryUsage, Double cpuUsage) {}

  public static DeploymentView summary(Deployment d) {
    return of(d, null, null);
  }

  public static DeploymentView detail(
      Deployment d, List<DeploymentStepRecord> steps, List<HealthCheckRecord> checks) {
    return of(
        d,
        steps.stream().map(DeploymentView::step).toList(),
        checks.stream().map(DeploymentView::healthCheck).toList());
  }

  private static DeploymentView of(Deployment d, List<Step> steps, List<HealthCheck> checks) {
    Long duration = d.endedAt == null ? null : Duration.between(d.startedAt, d.endedAt).toMillis();
    Error error =
        d.errorStep == null && d.errorMessage == null
            ? null
            : new Error(d.errorStep, d.errorMessage, d.errorCode);
    return new DeploymentView(
        d.id,
        d.environment,
        d.node,
        d.type,
        d.status,
        d.gitCommit,
        d.version,
        d.buildId,
        d.buildIdSource,
        // The first 12 hex digits, as short commits: enough to tell env files apart.
        d.envHash == null ? null : d.envHash.substring(0, Math.min(12, d.envHash.length())),
        d.previousCommit,
        d.startedAt,
        d.endedAt,
        duration,
        d.trigger,
        new Options(d.force, d.skipBackup, d.skipHealthCheck),
        d.backupPath,
        d.rollbackOf,
        d.reason,
        error,
        steps,
        checks);
  }

  static Step step(DeploymentStepRecord s) {
    return new Step(
        s.seq, s.name, s.phase, s.status, s.startedAt, s.endedAt, s.durationMs, s.output, s.error);
  }

  public static HealthCheck healthCheck(HealthCheckRecord h) {
    return new HealthCheck(
        h.status,
        h.checks,
        new Metrics(h.responseTimeMs, h.memoryUsageMb, h.cpuUsagePercent),
        h.version,
        h.gitCommit,
        h.message,
        h.checkedAt);
  }
}
