package io.sylvan.operator.ui;

import java.util.List;

/**
 * What the dashboard's templates render: plain records of strings prepared by {@link UiService}, so
 * the templates hold no logic and Qute checks every expression at build time. Nothing secret is
 * ever put into one: output tails come redacted from the database, URLs lose their credentials.
 */
public final class UiViews {

  private UiViews() {}

  /** What every page needs: its title, whether someone is signed in, their forms' CSRF token. */
  public record Layout(String title, boolean signedIn, String csrf, String assets, String path) {}

  /** A commit: short sha, full sha (title), link to it on the repository's web site or null. */
  public record Commit(String shortSha, String sha, String url) {}

  /** A state as words plus a colour class: the colour is never the only signal. */
  public record Badge(String word, String css) {}

  /** The last deployment of an environment or node. */
  public record LastRun(long id, String type, String when, String duration, Badge outcome) {}

  /** One node of a placed environment. */
  public record NodeCell(
      String name, Commit serving, Badge sync, Badge health, String rolloutState) {}

  /**
   * One environment's row of the overview; {@code liveTrigger} is the row's htmx trigger: any event
   * of this environment re-fetches the row.
   */
  public record EnvRow(
      String name,
      String liveTrigger,
      Commit desired,
      Commit serving,
      Badge sync,
      Badge health,
      Badge ready,
      String readyReason,
      String readyMessage,
      String stalledReason,
      String stalledMessage,
      LastRun last,
      List<Badge> flags,
      String specFile,
      String specRevision,
      List<NodeCell> nodes) {
    public String specRevisionShort() {
      return Fmt.revision(specRevision);
    }
  }

  public record OverviewPage(
      Layout layout, String specSource, String specRevision, String specError, List<EnvRow> rows) {
    public String specRevisionShort() {
      return Fmt.revision(specRevision);
    }
  }

  /** One deployment in an environment's history. */
  public record HistoryRow(
      long id,
      String type,
      Commit commit,
      String trigger,
      Badge outcome,
      String start,
      String duration,
      String reason) {}

  public record ConditionRow(
      String type, Badge status, String reason, String message, String since) {}

  /** A commit between the serving one and the desired one. */
  public record CommitLine(Commit commit, String subject) {}

  /**
   * What changed between what serves and what the spec asks for; {@code note} says why the list is
   * missing (nothing to compare, no mirror yet).
   */
  public record Changes(
      Commit from,
      Commit to,
      List<CommitLine> commits,
      String lockfile,
      String migration,
      String note) {}

  /** A built release on disk a person can roll back to. */
  public record Release(String sha, String shortSha, boolean serving) {}

  /** The environment's rollout and what a person can do to it. */
  public record RolloutInfo(
      long id, String commit, String phase, String wave, List<String> verbs) {}

  public record EnvironmentPage(
      Layout layout,
      EnvRow row,
      List<HistoryRow> history,
      String olderHref,
      String timelineSvg,
      String healthSvg,
      List<ConditionRow> conditions,
      Changes changes,
      List<Release> releases,
      RolloutInfo rollout,
      boolean suspended,
      String notice) {}

  public record StepRow(
      int seq,
      String name,
      String phase,
      Badge status,
      String start,
      String duration,
      String output,
      String error) {}

  public record CheckRow(
      Badge status,
      String at,
      String responseTime,
      String memory,
      String cpu,
      String message,
      String checks) {}

  /** A deployment's steps; {@code liveTrigger} is null once it ended (nothing more will change). */
  public record Steps(
      long id, String liveTrigger, Badge status, String duration, List<StepRow> rows) {}

  public record DeploymentPage(
      Layout layout,
      long id,
      String environment,
      String node,
      String type,
      Commit commit,
      Commit previous,
      String envHash,
      String trigger,
      String start,
      String end,
      String reason,
      String backupPath,
      String error,
      Steps steps,
      List<CheckRow> checks) {}

  public record SignInPage(Layout layout, String signInCsrf, String error) {}
}
