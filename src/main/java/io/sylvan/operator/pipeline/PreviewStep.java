package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.IdlePriority;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pre-traffic gate: the built release is started on a free loopback port, outside the PM2
 * cluster that serves users, with the same launcher, env file and commit variables, at the lowest
 * CPU and I/O priority, and put through the whole health check with the spec's retries. A release
 * that fails it never meets a user: the run halts in the build phase ({@link
 * FailureCode#PREVIEW_FAILED}). The process is killed with its group on every way out of the step.
 */
final class PreviewStep implements Step {

  /** How long the preview may take to listen (the launcher listens after its warm-up). */
  static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);

  private static final Duration POLL = Duration.ofMillis(100);

  @Override
  public String name() {
    return "Previewing the release before traffic";
  }

  @Override
  public Phase phase() {
    return Phase.BUILD;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    if (ctx.options().skipHealthCheck()) {
      return Optional.of("skipped by the skip-health-check option");
    }
    if (!ctx.s().healthCheck().preview()) {
      return Optional.of("switched off by spec.healthCheck.preview");
    }
    return Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    PreviewProcess.stopLeftover(ctx.root()).ifPresent(ctx.log()::warn);
    Path release;
    int port;
    try {
      release = ctx.releaseDir().toRealPath();
      port = freeLoopbackPort();
    } catch (IOException e) {
      throw new StepFailure(FailureCode.INTERNAL, "cannot prepare the preview: " + e.getMessage());
    }
    IdlePriority.Support support = IdlePriority.probe();
    boolean idle = ctx.tools().idlePriority();
    List<String> argv =
        IdlePriority.inOwnGroup(List.of("node", ctx.tools().launcher().toString()), support, idle);
    ctx.log().info("$ " + String.join(" ", argv) + " (PORT=" + port + ")");
    try (PreviewProcess preview =
        PreviewProcess.start(
            argv, release, env(ctx, release, port), ctx.root(), ctx.log()::output)) {
      awaitListening(ctx, preview, port);
      HealthReport report =
          ctx.tools()
              .healthChecker()
              .checkPreview(ctx.spec(), ctx.commit(), port, ctx.s().healthCheck().retries());
      if (!report.healthy() && onlyPerformanceFailed(report)) {
        // A process at idle priority beside busy workers is slow for want of CPU, not because of
        // its commit: the post-switch check, at normal priority, judges the response time.
        ctx.log()
            .warn(
                "Preview answered correctly but slowly at idle priority ("
                    + report.message()
                    + "); the check after the switch judges performance");
      } else if (!report.healthy()) {
        throw new StepFailure(
            FailureCode.PREVIEW_FAILED,
            "the preview of "
                + ctx.shortCommit()
                + " failed its health check before any traffic ("
                + failedChecks(report)
                + "): "
                + report.message(),
            ctx.redactor().redact(preview.tail()));
      }
      ctx.log().success("Preview passed its health check; the serving release was not touched");
      return "preview healthy on 127.0.0.1:"
          + port
          + " ("
          + IdlePriority.describe(support, idle)
          + "): "
          + report.checks()
          + ", response "
          + report.metrics().responseTime()
          + " ms";
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.MISSING_DEPENDENCY, "cannot start the preview: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailure(FailureCode.INTERRUPTED, "interrupted during the preview");
    }
  }

  /** What the ecosystem file gives a worker, on the preview's own loopback port. */
  static Map<String, String> env(DeploymentContext ctx, Path release, int port) {
    Map<String, String> pe = ctx.processEnv();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NODE_ENV", "production");
    env.put("PORT", Integer.toString(port));
    env.put("HOSTNAME", "127.0.0.1");
    env.put("SYLVAN_COMMIT", ctx.commit());
    env.put("SYLVAN_ENVIRONMENT", ctx.environment());
    env.put("SYLVAN_RELEASE_DIR", release.toString());
    env.put("SYLVAN_SCRIPT", pe.getOrDefault("SYLVAN_SCRIPT", ""));
    // As the ecosystem file does: the server must run with the deployment id it was built with.
    String deploymentId = pe.getOrDefault("SYLVAN_DEPLOYMENT_ID", "");
    if (!deploymentId.isEmpty()) {
      env.put("NEXT_DEPLOYMENT_ID", deploymentId);
    }
    env.put("SYLVAN_WARMUP_PATHS", pe.get("SYLVAN_WARMUP_PATHS"));
    env.put("SYLVAN_WARMUP_ROUNDS", pe.get("SYLVAN_WARMUP_ROUNDS"));
    // The whole process runs at idle priority already (or the operator switched it off); the
    // launcher must not restore a normal one for serving.
    env.put("SYLVAN_BOOT_IDLE", "0");
    env.put("SYLVAN_BOOT_NICE", "0");
    return env;
  }

  private static void awaitListening(DeploymentContext ctx, PreviewProcess preview, int port)
      throws StepFailure, InterruptedException {
    long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Integer> exit = preview.exitCode();
      if (exit.isPresent()) {
        throw new StepFailure(
            FailureCode.PREVIEW_FAILED,
            "the preview of "
                + ctx.shortCommit()
                + " exited with code "
                + exit.get()
                + " before it listened on port "
                + port,
            ctx.redactor().redact(preview.tail()));
      }
      if (listens(port)) {
        return;
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new StepFailure(
        FailureCode.PREVIEW_FAILED,
        "the preview of "
            + ctx.shortCommit()
            + " did not listen on port "
            + port
            + " within "
            + DeploymentLog.seconds(BOOT_TIMEOUT),
        ctx.redactor().redact(preview.tail()));
  }

  private static boolean listens(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean onlyPerformanceFailed(HealthReport report) {
    return report.checks().entrySet().stream()
        .filter(e -> !HealthReport.PASS.equals(e.getValue()))
        .allMatch(e -> e.getKey().equals("performance"));
  }

  private static String failedChecks(HealthReport report) {
    return report.checks().entrySet().stream()
        .filter(e -> !HealthReport.PASS.equals(e.getValue()))
        .map(Map.Entry::getKey)
        .reduce((a, b) -> a + ", " + b)
        .map(s -> "failed: " + s)
        .orElse("failed");
  }
}
