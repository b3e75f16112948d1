package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.quarkus.runtime.StartupEvent;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.Git;
import io.sylvan.operator.runtime.GitException;
import io.sylvan.operator.runtime.GitTransport;
import io.sylvan.operator.runtime.Pm2;
import io.sylvan.operator.runtime.Pm2Installer;
import io.sylvan.operator.runtime.ProcessCommandRunner;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.HealthStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Builds the {@link Toolbox} once: the command runner, git, PM2 and the health checker, and puts
 * the launcher and the ecosystem file that ship in the jar on disk under {@code
 * <data-dir>/runtime}, where PM2 can run them.
 */
@ApplicationScoped
public class ToolboxProducer {

  static final String LAUNCHER_RESOURCE = "launcher/sylvan-launcher.js";
  static final String ECOSYSTEM_RESOURCE = "operator/ecosystem.config.js";
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  @Inject OperatorConfig config;
  @Inject DeploymentRecorder recorder;
  @Inject OperatorSecrets secrets;
  @Inject Events events;

  private static final Logger LOG = Logger.getLogger(ToolboxProducer.class);

  private volatile Toolbox toolbox;

  /**
   * A malformed {@code sylvan.git.*} path stops the start (IllegalArgumentException naming the
   * setting); a key or file that is missing or too open is only a warning here, because the admin
   * may add or fix it later and every fetch checks again.
   */
  void checkGitAccess(@Observes StartupEvent ignored) {
    GitTransport transport = config.git().transport();
    LOG.infof("Git access: %s", transport);
    try {
      transport.check();
    } catch (GitException e) {
      LOG.warnf("Git access: %s (every fetch will fail until this is fixed)", e.getMessage());
    }
  }

  public Toolbox get() {
    Toolbox t = toolbox;
    if (t == null) {
      synchronized (this) {
        if (toolbox == null) {
          toolbox = create();
        }
        t = toolbox;
      }
    }
    return t;
  }

  public Pm2 pm2() {
    return get().pm2();
  }

  private Toolbox create() {
    CommandRunner runner = new ProcessCommandRunner();
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    String pm2Command =
        Pm2Installer.resolve(runner, config.pm2().command(), dataDir.resolve("tools"));
    Pm2 pm2 = new Pm2(runner, pm2Command, config.pm2().home());
    Path runtimeDir = dataDir.resolve("runtime");
    Path launcher = extract(LAUNCHER_RESOURCE, runtimeDir.resolve("sylvan-launcher.js"));
    Path ecosystem = extract(ECOSYSTEM_RESOURCE, runtimeDir.resolve("ecosystem.config.js"));
    return new Toolbox(
        runner,
        new Git(runner, "git", config.git().transport()),
        pm2,
        new HealthChecker(pm2, secrets.redactor()),
        dataDir,
        launcher,
        ecosystem,
        secrets.redactor(),
        this::recordHealth,
        config.deploy().idlePriority(),
        new EnvSecrets(
            config.secrets().identity(),
            Optional.of(SpecCatalog.repositoryRoot(config)),
            new Age()));
  }

  /**
   * A health report goes to the database and, in the seed's JSON, to the health-checks log; both
   * only after the run's redactor (the checker redacts too: this holds for reports from anywhere).
   */
  private void recordHealth(DeploymentContext ctx, HealthReport unredacted) {
    HealthReport report = unredacted.redacted(ctx.redactor());
    HealthCheckRecord r = new HealthCheckRecord();
    r.environment = ctx.environment();
    r.deploymentId = ctx.deploymentId();
    r.status = report.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY;
    r.checks = new LinkedHashMap<>(report.checks());
    r.responseTimeMs = report.metrics().responseTime();
    r.memoryUsageMb = report.metrics().memoryUsage();
    r.cpuUsagePercent = report.metrics().cpuUsage();
    r.version = report.version();
    r.gitCommit = report.commit();
    r.message = report.message();
    r.checkedAt = report.timestamp();
    recorder.saveHealth(r);
    events.publish(
        new EventData.HealthChecked(
            r.environment, r.node, report.healthy(), r.responseTimeMs, r.message, r.checkedAt));
    writeHealthLog(ctx.root(), report);
  }

  /** {@code <root>/logs/health-checks/health_<ts>.log}, the seed's JSON document. */
  public static Path writeHealthLog(Path root, HealthReport report) {
    Path dir = root.resolve("logs").resolve("health-checks");
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("health_" + LocalDateTime.now().format(TS) + ".log");
      Files.writeString(
          file,
          JSON.writeValueAsString(report) + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the health log under " + dir, e);
    }
  }

  private static Path extract(String resource, Path target) {
    try (InputStream in =
        Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the operator jar lacks " + resource);
      }
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }
}
