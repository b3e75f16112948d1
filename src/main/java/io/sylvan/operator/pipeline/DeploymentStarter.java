package io.sylvan.operator.pipeline;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Creates a deployment row and its context, and tells the listener a run starts. */
@ApplicationScoped
public class DeploymentStarter {

  private static final DateTimeFormatter LOG_TS = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

  /** Identifies this operator process in deployment rows (crash recovery). */
  public static final String OPERATOR_ID = ManagementFactory.getRuntimeMXBean().getName();

  @Inject OperatorConfig config;
  @Inject DeploymentRecorder recorder;
  @Inject ToolboxProducer toolbox;
  @Inject DeploymentListener listener;
  @Inject Events events;

  /** Start times of the runs not yet finished, for the duration in their finished event. */
  private final Map<Long, Long> startedNanos = new ConcurrentHashMap<>();

  /** What one deployment row describes, before it runs. */
  record Plan(
      DeploySpec spec,
      String commit,
      DeploymentType type,
      DeployOptions options,
      Trigger trigger,
      String specRevision,
      Path releaseDir,
      Optional<Path> serving,
      Long rollbackOf) {}

  /**
   * {@code <root>/logs/deployments/deploy_<yyyyMMdd_HHmmss>.log}, the seed's name; rotated by size
   * ({@code sylvan.logs.*}).
   */
  DeploymentLog newLog(DeploySpec spec) {
    Path logFile =
        spec.spec()
            .target()
            .root()
            .resolve("logs")
            .resolve("deployments")
            .resolve("deploy_" + LocalDateTime.now().format(LOG_TS) + ".log");
    return new DeploymentLog(logFile, spec.environment(), LogRotation.limits(config.logs()));
  }

  /** Milliseconds since deployment {@code id} started here (null when unknown); forgets it. */
  Long finishedMillis(long id) {
    Long t0 = startedNanos.remove(id);
    return t0 == null ? null : (System.nanoTime() - t0) / 1_000_000;
  }

  DeploymentContext start(Plan plan, DeploymentLog log) {
    DeploySpec spec = plan.spec();
    listener.started(spec.environment(), plan.type(), plan.commit());
    Deployment d = new Deployment();
    d.environment = spec.environment();
    d.type = plan.type();
    d.gitCommit = plan.commit();
    d.previousCommit = plan.serving().flatMap(Releases::revision).orElse(null);
    d.releaseDir = plan.releaseDir().toString();
    d.logFile = log.file().toString();
    d.specRevision = plan.specRevision();
    d.trigger = plan.trigger();
    d.force = plan.options().force();
    d.skipBackup = plan.options().skipBackup();
    d.skipHealthCheck = plan.options().skipHealthCheck();
    d.rollbackOf = plan.rollbackOf();
    d.operatorId = OPERATOR_ID;
    long id = recorder.start(d);
    startedNanos.put(id, System.nanoTime());
    events.publish(
        new EventData.DeploymentStarted(
            id,
            d.environment,
            d.node,
            d.gitCommit,
            d.type.wire(),
            d.trigger == null ? null : d.trigger.wire(),
            Instant.now()));
    return new DeploymentContext(
        spec,
        plan.commit(),
        plan.type(),
        plan.options(),
        toolbox.get(),
        log,
        id,
        plan.releaseDir(),
        plan.serving());
  }
}
