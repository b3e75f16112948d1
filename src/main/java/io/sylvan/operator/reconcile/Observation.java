package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.Releases;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.Pm2Process;
import io.sylvan.operator.spec.DeploySpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What really runs for one environment: the {@code current} release and what PM2 runs, compared
 * with the target commit.
 */
public record Observation(
    Optional<Path> currentRelease,
    Optional<String> currentCommit,
    List<Pm2Process> processes,
    Optional<String> runningCommit,
    Drift drift,
    String detail) {

  /** Observes {@code spec}'s environment from the disk and a {@code pm2 jlist} taken once. */
  public static Observation of(DeploySpec spec, String target, List<Pm2Process> all) {
    Releases releases = new Releases(spec.spec().target().root());
    Optional<Path> current = releases.current();
    Optional<String> currentCommit = current.flatMap(Releases::revision);
    List<Pm2Process> app = Pm2Process.byName(all, spec.metadata().name());
    List<String> commits = app.stream().map(p -> p.env().get("SYLVAN_COMMIT")).distinct().toList();
    Optional<String> running =
        commits.size() == 1 ? Optional.ofNullable(commits.get(0)) : Optional.empty();
    int want = spec.spec().process().instances();

    Drift drift;
    String detail;
    if (current.isEmpty() && app.isEmpty()) {
      drift = Drift.NOT_DEPLOYED;
      detail = "nothing deployed yet";
    } else if (app.isEmpty()) {
      drift = Drift.PROCESS_MISSING;
      detail = "no PM2 process named " + spec.metadata().name();
    } else if (app.stream().anyMatch(p -> !p.online())) {
      Pm2Process down = app.stream().filter(p -> !p.online()).findFirst().orElseThrow();
      drift = Drift.PROCESS_DOWN;
      detail = "instance " + down.pmId() + " is " + down.status().wire();
    } else if (app.size() != want) {
      drift = Drift.INSTANCES;
      detail = app.size() + " instances instead of " + want;
    } else if (running.isEmpty() || !Objects.equals(running, currentCommit)) {
      drift = Drift.RELEASE_MISMATCH;
      detail =
          "PM2 runs "
              + (running.isEmpty()
                  ? "mixed commits " + commits
                  : Commits.short12(running.get(), "none"))
              + " but current is "
              + currentCommit.map(c -> Commits.short12(c, "none")).orElse("missing");
    } else if (!running.get().equals(target)) {
      drift = Drift.COMMIT;
      detail =
          "serving "
              + Commits.short12(running.get(), "none")
              + ", want "
              + Commits.short12(target, "none");
    } else {
      drift = Drift.NONE;
      detail = "serving " + Commits.short12(target, "none");
    }
    return new Observation(current, currentCommit, app, running, drift, detail);
  }
}
