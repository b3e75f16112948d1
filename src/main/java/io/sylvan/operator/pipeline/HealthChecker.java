package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.runtime.HostMetrics;
import io.sylvan.operator.runtime.Pm2;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The seed's {@code health-check.sh}: HTTP, critical API paths, performance and version checks
 * against the app on loopback, retried {@code healthCheck.retries} times {@code interval} apart.
 * Usable as a pipeline step and on its own. What the app answers is redacted here, where it enters
 * the operator: with the operator's secrets and the environment's env file values.
 */
public final class HealthChecker {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Pm2 pm2;
  private final HttpClient http;
  private final Sleeper sleeper;
  private final Redactor operatorSecrets;

  /** Waiting between tries; a test can make it instant. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public HealthChecker(Pm2 pm2, Redactor operatorSecrets) {
    this(pm2, operatorSecrets, d -> Thread.sleep(d.toMillis()));
  }

  HealthChecker(Pm2 pm2, Redactor operatorSecrets, Sleeper sleeper) {
    this.pm2 = pm2;
    this.operatorSecrets = operatorSecrets;
    this.sleeper = sleeper;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /**
   * Checks until healthy or out of tries; returns the last report. {@code expectedCommit} is the
   * commit that must serve.
   */
  public HealthReport check(DeploySpec spec, String expectedCommit, int tries)
      throws InterruptedException {
    return retried(spec, tries, () -> checkOnce(spec, expectedCommit));
  }

  /**
   * Checks the preview of a release (the pre-traffic gate) on {@code port}, until healthy or out of
   * tries. PM2 does not run it: the CPU and memory limits are not applied (a booting process at
   * idle priority says nothing about them; they are checked after the switch), and without {@code
   * expectCommit} the commit is the one the operator gave the process it started.
   */
  public HealthReport checkPreview(DeploySpec spec, String expectedCommit, int port, int tries)
      throws InterruptedException {
    return retried(spec, tries, () -> evaluate(spec, expectedCommit, port, null));
  }

  private HealthReport retried(
      DeploySpec spec, int tries, java.util.function.Supplier<HealthReport> once)
      throws InterruptedException {
    DeploySpec.HealthCheck hc = spec.spec().healthCheck();
    HealthReport report = null;
    for (int i = 1; i <= tries; i++) {
      report = once.get();
      if (report.healthy() || i == tries) {
        return report;
      }
      sleeper.sleep(hc.interval());
    }
    return report;
  }

  /** One round of all four checks. */
  public HealthReport checkOnce(DeploySpec spec, String expectedCommit) {
    return checkOnce(spec, expectedCommit, safeJlist());
  }

  /** One round of all four checks, with what PM2 runs already listed by the caller. */
  public HealthReport checkOnce(
      DeploySpec spec, String expectedCommit, List<Pm2Process> processes) {
    return evaluate(spec, expectedCommit, spec.spec().process().port(), processes);
  }

  /** One round on {@code port}; {@code processes} null for a preview PM2 does not run. */
  private HealthReport evaluate(
      DeploySpec spec, String expectedCommit, int port, List<Pm2Process> processes) {
    DeploySpec.HealthCheck hc = spec.spec().healthCheck();
    boolean preview = processes == null;
    Map<String, String> checks = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();

    long t0 = System.nanoTime();
    Optional<HttpResponse<String>> main = get(port, hc.path(), hc.timeout());
    long responseTime = (System.nanoTime() - t0) / 1_000_000;
    JsonNode body = main.map(r -> parse(r.body())).orElse(null);
    if (main.isPresent() && main.get().statusCode() == 200) {
      checks.put("http", HealthReport.PASS);
    } else {
      checks.put("http", HealthReport.FAIL);
      problems.add(
          "GET "
              + hc.path()
              + (main.isPresent()
                  ? " answered " + main.get().statusCode()
                  : " did not answer within " + DeploymentLog.seconds(hc.timeout())));
    }

    boolean apiOk = true;
    for (String path : hc.criticalPaths()) {
      Optional<HttpResponse<String>> r = get(port, path, hc.timeout());
      int code = r.map(HttpResponse::statusCode).orElse(0);
      if (code < 200 || code > 299) {
        apiOk = false;
        problems.add("GET " + path + (code == 0 ? " did not answer" : " answered " + code));
      }
    }
    checks.put("api", apiOk ? HealthReport.PASS : HealthReport.FAIL);

    List<Pm2Process> instances =
        preview ? List.of() : Pm2Process.byName(processes, spec.metadata().name());
    long memoryBytes = instances.stream().mapToLong(Pm2Process::memoryBytes).sum();
    double cpu =
        instances.isEmpty()
            ? 0
            : instances.stream().mapToDouble(Pm2Process::cpuPercent).average().orElse(0);
    long totalMemory = new HostMetrics().totalMemoryBytes();
    double memoryPercent = totalMemory > 0 ? 100.0 * memoryBytes / totalMemory : 0;
    boolean perfOk = true;
    if (responseTime > hc.maxResponseTime().toMillis()) {
      perfOk = false;
      problems.add(
          "response time " + responseTime + " ms over " + hc.maxResponseTime().toMillis() + " ms");
    }
    if (memoryPercent > hc.maxMemoryPercent()) {
      perfOk = false;
      problems.add(String.format("memory %.0f%% over %d%%", memoryPercent, hc.maxMemoryPercent()));
    }
    if (cpu > hc.maxCpuPercent()) {
      perfOk = false;
      problems.add(String.format("CPU %.0f%% over %d%%", cpu, hc.maxCpuPercent()));
    }
    checks.put("performance", perfOk ? HealthReport.PASS : HealthReport.FAIL);

    String reportedCommit = body == null ? null : text(body, "commit");
    String reportedVersion = body == null ? null : text(body, "version");
    boolean versionOk;
    if (hc.expectCommit()) {
      versionOk = reportedCommit != null && sameCommit(reportedCommit, expectedCommit);
      if (!versionOk) {
        problems.add(
            "the app reports commit "
                + (reportedCommit == null ? "nothing" : reportedCommit)
                + ", expected "
                + expectedCommit);
      }
    } else if (preview) {
      // The operator started the preview with SYLVAN_COMMIT set to this commit itself.
      versionOk = true;
    } else {
      // The app does not report its commit: PM2's environment of every instance must name it.
      versionOk =
          !instances.isEmpty()
              && instances.stream()
                  .allMatch(p -> expectedCommit.equals(p.env().get("SYLVAN_COMMIT")));
      if (!versionOk) {
        problems.add("PM2 does not run commit " + expectedCommit + " on every instance");
      }
    }
    checks.put("version", versionOk ? HealthReport.PASS : HealthReport.FAIL);

    boolean healthy = checks.values().stream().allMatch(HealthReport.PASS::equals);
    HealthReport report =
        new HealthReport(
            healthy ? HealthReport.HEALTHY : HealthReport.UNHEALTHY,
            checks,
            new HealthReport.Metrics(responseTime, memoryBytes / (1024 * 1024), round1(cpu)),
            reportedVersion,
            reportedCommit != null ? reportedCommit : expectedCommit,
            healthy ? null : String.join("; ", problems),
            Instant.now());
    return report.redacted(EnvFile.redactor(operatorSecrets, spec));
  }

  private List<Pm2Process> safeJlist() {
    try {
      return pm2.jlist();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private Optional<HttpResponse<String>> get(int port, String path, Duration timeout) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(timeout)
              .header("User-Agent", "sylvan-operator-health")
              .GET()
              .build();
      return Optional.of(http.send(req, HttpResponse.BodyHandlers.ofString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      return null;
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  /** Apps often report a short sha: at least 7 characters that start the full one match. */
  static boolean sameCommit(String reported, String expected) {
    String r = reported.trim().toLowerCase();
    return r.length() >= 7 && expected.toLowerCase().startsWith(r);
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
