package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code POST /environments/{env}/...} actions; each needs the token. */
final class ActionCommands {

  private ActionCommands() {}

  /** The seed's {@code deploy-update.sh} flags, sent as query parameters. */
  static class SeedFlags {
    @Option(names = "--force", description = "Keep the release even if health checks fail.")
    boolean force;

    @Option(names = "--skip-backup", description = "No backup before the update.")
    boolean skipBackup;

    @Option(names = "--skip-health-check", description = "No health check after the switch.")
    boolean skipHealthCheck;
  }

  /** {@code --wait} and how its progress is shown. */
  static class WaitOptions {
    @Option(
        names = "--wait",
        description =
            "Follow the deployment the action starts, step by step, and exit with its outcome"
                + " (0 success, 4 failed, 5 rolled back).")
    boolean wait;

    @Option(
        names = "--tty",
        negatable = true,
        description =
            "With --wait: rewrite one live line (--tty) or print plain lines (--no-tty); default:"
                + " --tty when stdout is a terminal.")
    Boolean tty;

    @Option(
        names = "--timeout",
        paramLabel = "<seconds>",
        defaultValue = "1800",
        description = "With --wait: give up after this many seconds (default 1800), exit code 1.")
    long timeoutSeconds;

    Progress.Mode mode(boolean json) {
      if (json) {
        return Progress.Mode.JSON;
      }
      boolean terminal = tty != null ? tty : Terminal.isTerminal();
      return terminal ? Progress.Mode.TTY : Progress.Mode.PLAIN;
    }
  }

  /**
   * One action on one environment, {@code POST /environments/<env>/<command name>}; prints what the
   * operator accepted.
   */
  static class Action extends CtlCommand {

    @Parameters(index = "0", paramLabel = "<env>")
    String env;

    String action() {
      return spec.name();
    }

    String query() {
      return "";
    }

    /** The options of {@code --wait}; null for actions that start no deployment. */
    WaitOptions waitOptions() {
      return null;
    }

    @Override
    int execute() {
      WaitOptions w = waitOptions();
      if (w == null || !w.wait) {
        return accepted(post());
      }
      // Opened first, so the deployment's first events are not missed; a sync may find nothing to
      // do, told by the environment being observed again (observedAt) without a deployment.
      String observedBefore =
          action().equals("sync")
              ? client().get(envPath("/status/", env)).json().path("observedAt").asText("")
              : null;
      Progress progress =
          Progress.open(client(), env, out(), w.mode(json()), Duration.ofSeconds(w.timeoutSeconds));
      try {
        OperatorClient.Answer answer = post();
        accepted(answer);
        JsonNode a = answer.json();
        Long id = a != null && a.hasNonNull("deploymentId") ? a.get("deploymentId").asLong() : null;
        String commit = a != null && a.hasNonNull("commit") ? a.get("commit").asText() : null;
        return progress.follow(
            id,
            started ->
                commit == null
                    || (commit.equals(started.text("commit"))
                        && "rollback".equals(started.text("type"))),
            observedBefore);
      } finally {
        progress.close();
      }
    }

    private OperatorClient.Answer post() {
      return client().post(envPath("/environments/", env) + "/" + action() + query());
    }

    /** Prints what the operator accepted. */
    private int accepted(OperatorClient.Answer answer) {
      if (json()) {
        out().println(answer.body());
        out().flush();
        return 0;
      }
      JsonNode a = answer.json();
      StringBuilder line = new StringBuilder(action() + " of " + env + " accepted");
      if (a != null && a.hasNonNull("deploymentId")) {
        line.append(": deployment ").append(a.get("deploymentId").asText());
      }
      if (a != null && a.hasNonNull("commit")) {
        line.append(": to ").append(Table.sha(a, "commit"));
      }
      out().println(line);
      out().flush();
      return 0;
    }
  }

  /** sync and deploy: the pipeline with the seed's options. */
  static class PipelineAction extends Action {
    @Mixin SeedFlags flags;

    @Mixin WaitOptions waitOptions;

    @Override
    WaitOptions waitOptions() {
      return waitOptions;
    }

    @Override
    String query() {
      return OperatorClient.withQuery(
          "",
          OperatorClient.params(
              "force",
              flags.force,
              "skipBackup",
              flags.skipBackup,
              "skipHealthCheck",
              flags.skipHealthCheck));
    }
  }

  @Command(
      name = "sync",
      description = "Reconcile now; retries a failed commit and lifts a rollback pin.")
  static class Sync extends PipelineAction {}

  @Command(
      name = "deploy",
      description = "Run the update pipeline for the spec's commit now (deploy-update.sh).")
  static class Deploy extends PipelineAction {}

  @Command(
      name = "rollback",
      description = "Roll back to the previous good release, or to --to <sha>, and stay there.")
  static class Rollback extends Action {
    @Option(names = "--to", paramLabel = "<sha>", description = "A release still on disk.")
    String to;

    @Mixin WaitOptions waitOptions;

    @Override
    WaitOptions waitOptions() {
      return waitOptions;
    }

    @Option(
        names = "--reason",
        paramLabel = "<text>",
        description = "Why; recorded on the rollback's deployment and shown in history.")
    String reason;

    @Override
    String query() {
      return OperatorClient.withQuery("", OperatorClient.params("to", to, "reason", reason));
    }
  }

  @Command(name = "suspend", description = "Stop reconciling an environment.")
  static class Suspend extends Action {}

  @Command(name = "resume", description = "Reconcile an environment again.")
  static class Resume extends Action {}
}
