package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sylvan.operator.runtime.Redactor;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed's health document: {@code {"status":"healthy","checks":{"http":"pass",...},
 * "metrics":{"responseTime":145,"memoryUsage":512,"cpuUsage":23},"version":"1.2.3","commit":...}}.
 * {@code message} says why it is unhealthy.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthReport(
    String status,
    Map<String, String> checks,
    Metrics metrics,
    String version,
    String commit,
    String message,
    Instant timestamp) {

  public static final String HEALTHY = "healthy";
  public static final String UNHEALTHY = "unhealthy";
  public static final String PASS = "pass";
  public static final String FAIL = "fail";

  /** Response time in ms, memory of all instances in MB, CPU in percent. */
  public record Metrics(long responseTime, long memoryUsage, double cpuUsage) {}

  public boolean healthy() {
    return HEALTHY.equals(status);
  }

  /**
   * This report with everything the app chose (its version and commit, and the message that quotes
   * them) through {@code redactor}: an app may answer with a value of its env file.
   */
  public HealthReport redacted(Redactor redactor) {
    Map<String, String> safeChecks = new LinkedHashMap<>();
    checks.forEach((k, v) -> safeChecks.put(redactor.redact(k), redactor.redact(v)));
    return new HealthReport(
        status,
        safeChecks,
        metrics,
        redactor.redact(version),
        redactor.redact(commit),
        redactor.redact(message),
        timestamp);
  }
}
