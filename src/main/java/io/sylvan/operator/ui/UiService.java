package io.sylvan.operator.ui;

import io.sylvan.operator.api.DeploymentView;
import io.sylvan.operator.api.EnvironmentStatus;
import io.sylvan.operator.api.RolloutView;
import io.sylvan.operator.api.StatusResource;
import io.sylvan.operator.api.StatusResponse;
import io.sylvan.operator.api.StatusService;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.fleet.RolloutPhase;
import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.pipeline.ToolboxProducer;
import io.sylvan.operator.runtime.PackageManager;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecLookup;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.ui.UiViews.Badge;
import io.sylvan.operator.ui.UiViews.Changes;
import io.sylvan.operator.ui.UiViews.Commit;
import io.sylvan.operator.ui.UiViews.CommitLine;
import io.sylvan.operator.ui.UiViews.EnvRow;
import io.sylvan.operator.ui.UiViews.Layout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds the dashboard's views from what the REST API reads ({@link StatusResource}, {@link
 * StatusService}): the pages show the same state as {@code /status} and {@code /deployments}.
 */
@ApplicationScoped
public class UiService {

  /** The events that concern an environment (the {@code /events} contract). */
  static final List<String> ENVIRONMENT_EVENTS =
      List.of(
          "deployment.started",
          "step.started",
          "step.finished",
          "health.checked",
          "deployment.finished",
          "condition.changed",
          "drift.detected");

  static final List<String> STEP_EVENTS =
      List.of("step.started", "step.finished", "deployment.finished");

  /** How many commits between serving and desired the page lists. */
  static final int MAX_COMMITS = 50;

  @Inject StatusResource statusResource;
  @Inject StatusService status;
  @Inject SpecCatalog specs;
  @Inject OperatorConfig config;
  @Inject ToolboxProducer tools;

  public UiViews.OverviewPage overview(Layout layout) {
    StatusResponse all = statusResource.all();
    StatusResponse.SpecSourceStatus source = all.specSource();
    return new UiViews.OverviewPage(
        layout,
        Redactor.patterns(source.source()),
        source.revision(),
        source.error() == null ? null : Redactor.patterns(source.error()),
        all.environments().stream().map(this::row).toList());
  }

  public Optional<EnvRow> row(String env) {
    return status.environment(env).map(e -> row(statusResource.one(env)));
  }

  public Optional<UiViews.EnvironmentPage> environment(
      String env, Long before, Layout layout, String notice) {
    if (status.environment(env).isEmpty()) {
      return Optional.empty();
    }
    EnvironmentStatus e = statusResource.one(env);
    int pageSize = config.ui().historyPageSize();
    List<DeploymentView> page = status.history(env, null, null, before, pageSize);
    String older =
        page.size() == pageSize
            ? "/ui/environments/" + env + "?before=" + page.get(page.size() - 1).id()
            : null;
    List<DeploymentView> recent =
        status.history(env, null, null, null, config.ui().timelineDeployments()).stream()
            .map(d -> status.deployment(d.id()).orElse(d))
            .toList();
    Optional<DeploySpec> spec = spec(env);
    return Optional.of(
        new UiViews.EnvironmentPage(
            layout,
            row(e),
            page.stream().map(d -> historyRow(d, repository(env))).toList(),
            older,
            Svg.timeline(recent),
            Svg.health(status.healthHistory(env, config.ui().healthPoints())),
            e.conditions() == null
                ? List.of()
                : e.conditions().stream().map(UiService::condition).toList(),
            changes(e, spec),
            releases(e, spec),
            rollout(e.rollout()),
            e.suspended(),
            notice));
  }

  public Optional<UiViews.DeploymentPage> deployment(long id, Layout layout) {
    return status
        .deployment(id)
        .map(
            d -> {
              String repository = repository(d.environment());
              return new UiViews.DeploymentPage(
                  layout,
                  d.id(),
                  d.environment(),
                  d.node(),
                  d.type().wire(),
                  Fmt.commit(d.gitCommit(), repository),
                  Fmt.commit(d.previousCommit(), repository),
                  d.envHash(),
                  d.trigger().wire(),
                  Fmt.time(d.startTime()),
                  Fmt.time(d.endTime()),
                  d.reason(),
                  d.backupPath(),
                  d.error() == null
                      ? null
                      : d.error().step()
                          + ": "
                          + d.error().message()
                          + (d.error().code() == null ? "" : " (" + d.error().code() + ")"),
                  steps(d),
                  d.healthChecks().stream().map(UiService::check).toList());
            });
  }

  public Optional<UiViews.Steps> steps(long id) {
    return status.deployment(id).map(UiService::steps);
  }

  private static UiViews.Steps steps(DeploymentView d) {
    boolean running = d.status() == DeploymentStatus.IN_PROGRESS;
    return new UiViews.Steps(
        d.id(),
        running ? trigger(STEP_EVENTS, "deploymentId", String.valueOf(d.id())) : null,
        outcome(d.status()),
        Fmt.duration(d.durationMs()),
        d.steps().stream()
            .map(
                s ->
                    new UiViews.StepRow(
                        s.seq(),
                        s.name(),
                        s.phase(),
                        step(s.status()),
                        Fmt.time(s.startTime()),
                        Fmt.duration(s.duration()),
                        s.output(),
                        s.error()))
            .toList());
  }

  private EnvRow row(EnvironmentStatus e) {
    String repository = repository(e.name());
    List<Condition> conditions = e.conditions() == null ? List.of() : e.conditions();
    Optional<Condition> ready = find(conditions, Condition.READY);
    Optional<Condition> stalled = find(conditions, Condition.STALLED).filter(Condition::status);
    List<Badge> flags = new ArrayList<>();
    if (e.suspended()) {
      flags.add(new Badge("suspended", "warn"));
    }
    if (e.pinnedCommit() != null) {
      flags.add(new Badge("pinned to " + Fmt.commit(e.pinnedCommit(), null).shortSha(), "warn"));
    }
    if (spec(e.name())
        .map(s -> s.spec().reconcile().mode() == DeploySpec.Reconcile.Mode.WARN)
        .orElse(false)) {
      flags.add(new Badge("warn mode", "info"));
    }
    List<UiViews.NodeCell> nodes =
        e.rollout() == null && e.nodes().size() <= 1
            ? List.of()
            : e.nodes().stream()
                .map(
                    n ->
                        new UiViews.NodeCell(
                            n.name(),
                            Fmt.commit(n.actualCommit(), repository),
                            sync(n.sync()),
                            health(n.health()),
                            n.rolloutState()))
                .toList();
    DeploymentView last = e.lastDeployment();
    return new EnvRow(
        e.name(),
        trigger(ENVIRONMENT_EVENTS, "environment", e.name()),
        Fmt.commit(e.desiredCommit(), repository),
        Fmt.commit(e.actualCommit(), repository),
        sync(e.sync()),
        health(e.health()),
        ready
            .map(c -> c.status() ? new Badge("Ready", "ok") : new Badge("Not ready", "warn"))
            .orElse(new Badge("Unknown", "neutral")),
        ready.map(Condition::reason).orElse(null),
        ready.map(Condition::message).map(Redactor::patterns).orElse(null),
        stalled.map(Condition::reason).orElse(null),
        stalled.map(Condition::message).map(Redactor::patterns).orElse(null),
        last == null
            ? null
            : new UiViews.LastRun(
                last.id(),
                last.type().wire(),
                Fmt.time(last.startTime()),
                Fmt.duration(last.durationMs()),
                outcome(last.status())),
        flags,
        e.specFile(),
        e.specRevision(),
        nodes);
  }

  /**
   * The htmx trigger of an element that re-fetches itself on the events whose JSON {@code field} is
   * {@code value}; one SSE connection (on the body) serves every element of the page.
   */
  static String trigger(List<String> events, String field, String value) {
    String filter =
        field.equals("deploymentId")
            ? "[JSON.parse(detail.data)." + field + "==" + value + "]"
            : "[JSON.parse(detail.data)." + field + "=='" + value + "']";
    return events.stream().map(ev -> "sse:" + ev + filter).collect(Collectors.joining(", "));
  }

  private static UiViews.HistoryRow historyRow(DeploymentView d, String repository) {
    return new UiViews.HistoryRow(
        d.id(),
        d.type().wire(),
        Fmt.commit(d.gitCommit(), repository),
        d.trigger().wire(),
        outcome(d.status()),
        Fmt.time(d.startTime()),
        Fmt.duration(d.durationMs()),
        d.reason());
  }

  private static UiViews.ConditionRow condition(Condition c) {
    return new UiViews.ConditionRow(
        c.type(),
        c.status() ? new Badge("True", "ok") : new Badge("False", "neutral"),
        c.reason(),
        c.message() == null ? null : Redactor.patterns(c.message()),
        Fmt.time(c.lastTransitionTime()));
  }

  private static UiViews.CheckRow check(DeploymentView.HealthCheck h) {
    DeploymentView.Metrics m = h.metrics();
    return new UiViews.CheckRow(
        new Badge(h.status().wire(), h.status() == HealthStatus.HEALTHY ? "ok" : "bad"),
        Fmt.time(h.timestamp()),
        m == null ? "-" : Fmt.duration(m.responseTime()),
        m == null || m.memoryUsage() == null ? "-" : m.memoryUsage() + " MB",
        m == null || m.cpuUsage() == null ? "-" : m.cpuUsage() + " %",
        h.message() == null ? null : Redactor.patterns(h.message()),
        h.checks() == null
            ? ""
            : h.checks().entrySet().stream()
                .map(c -> c.getKey() + ": " + c.getValue())
                .collect(Collectors.joining(", ")));
  }

  /**
   * The commits from the serving one to the desired one, read from the operator's mirror of the app
   * repository (git log, git diff through the Git runner), and what the deploy will do.
   */
  private Changes changes(EnvironmentStatus e, Optional<DeploySpec> spec) {
    String repository = repository(e.name());
    Commit from = Fmt.commit(e.actualCommit(), repository);
    Commit to = Fmt.commit(e.desiredCommit(), repository);
    String migration =
        spec.map(DeploySpec::spec)
            .map(DeploySpec.Spec::migrate)
            .map(m -> "yes: " + Redactor.patterns(m.command()))
            .orElse("no (the spec has no migrate command)");
    if (e.actualCommit() == null || e.desiredCommit() == null || spec.isEmpty()) {
      return new Changes(from, to, List.of(), "-", migration, "nothing to compare yet");
    }
    if (e.actualCommit().equals(e.desiredCommit())) {
      return new Changes(from, to, List.of(), "unchanged", migration, "the desired commit serves");
    }
    var git = tools.get().git();
    Path mirror = tools.get().mirrorFor(spec.get().spec().source().repository());
    if (!Files.isDirectory(mirror)) {
      return new Changes(from, to, List.of(), "-", migration, "the mirror is not cloned yet");
    }
    try {
      List<CommitLine> commits =
          git
              .commitSubjects(mirror, e.actualCommit(), e.desiredCommit(), MAX_COMMITS)
              .orElse(List.of())
              .stream()
              .map(
                  c ->
                      new CommitLine(
                          Fmt.commit(c[0], repository),
                          c.length > 1 ? Redactor.patterns(c[1]) : ""))
              .toList();
      Optional<List<String>> changed =
          git.changedPaths(mirror, e.actualCommit(), e.desiredCommit());
      List<String> lockfiles =
          Arrays.stream(PackageManager.values()).map(PackageManager::lockfile).toList();
      String lockfile =
          changed
              .map(
                  paths ->
                      paths.stream().anyMatch(lockfiles::contains)
                          ? "changed: dependencies will be installed"
                          : "unchanged")
              .orElse("-");
      String note =
          changed.isEmpty()
              ? "the mirror does not have both commits yet"
              : commits.isEmpty() ? "the desired commit is not ahead of the serving one" : null;
      return new Changes(from, to, commits, lockfile, migration, note);
    } catch (RuntimeException gitFailed) {
      return new Changes(from, to, List.of(), "-", migration, "git could not compare the commits");
    }
  }

  /** The built releases on disk (rollback targets), newest first. */
  private static List<UiViews.Release> releases(EnvironmentStatus e, Optional<DeploySpec> spec) {
    if (spec.isEmpty()) {
      return List.of();
    }
    Releases releases = new Releases(spec.get().spec().target().root());
    return releases.list().stream()
        .filter(p -> Files.exists(p.resolve(Releases.BUILT_MARKER)))
        .map(Releases::revision)
        .flatMap(Optional::stream)
        .distinct()
        .map(
            sha ->
                new UiViews.Release(
                    sha, Fmt.commit(sha, null).shortSha(), sha.equals(e.actualCommit())))
        .toList();
  }

  private static UiViews.RolloutInfo rollout(RolloutView r) {
    return r == null
        ? null
        : new UiViews.RolloutInfo(
            r.id(),
            Fmt.commit(r.commit(), null).shortSha(),
            r.phase(),
            r.currentWave() + " of " + r.waves(),
            verbs(r.phase()));
  }

  /** The controls a rollout in this phase takes: a reverting or finished one takes none. */
  private static List<String> verbs(String phase) {
    if (RolloutPhase.PROGRESSING.wire().equals(phase)) {
      return List.of("pause", "abort");
    }
    if (RolloutPhase.PAUSED.wire().equals(phase)) {
      return List.of("resume", "abort");
    }
    return List.of();
  }

  private Optional<DeploySpec> spec(String env) {
    SpecLookup lookup = SpecLookup.of(specs.current(), env);
    return lookup.found() ? Optional.of(lookup.spec()) : Optional.empty();
  }

  private String repository(String env) {
    return spec(env).map(s -> s.spec().source().repository()).orElse(null);
  }

  private static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.type())).findFirst();
  }

  static Badge sync(SyncStatus s) {
    return switch (s) {
      case SYNCED -> new Badge("Synced", "ok");
      case OUT_OF_SYNC -> new Badge("OutOfSync", "warn");
      case UNKNOWN -> new Badge("Unknown", "neutral");
    };
  }

  static Badge health(AppHealth h) {
    return switch (h) {
      case HEALTHY -> new Badge("Healthy", "ok");
      case PROGRESSING -> new Badge("Progressing", "info");
      case DEGRADED -> new Badge("Degraded", "bad");
      case MISSING -> new Badge("Missing", "bad");
      case UNKNOWN -> new Badge("Unknown", "neutral");
    };
  }

  static Badge outcome(DeploymentStatus s) {
    return switch (s) {
      case SUCCESS -> new Badge("success", "ok");
      case IN_PROGRESS -> new Badge("in progress", "info");
      case FAILED -> new Badge("failed", "bad");
      case ROLLED_BACK -> new Badge("rolled back", "warn");
    };
  }

  static Badge step(StepStatus s) {
    return switch (s) {
      case COMPLETED -> new Badge("completed", "ok");
      case RUNNING -> new Badge("running", "info");
      case FAILED -> new Badge("failed", "bad");
      case PENDING, SKIPPED -> new Badge(s.wire(), "neutral");
    };
  }
}
