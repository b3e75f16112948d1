package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
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

    @Override
    int execute() {
      OperatorClient.Answer answer =
          client().post(envPath("/environments/", env) + "/" + action() + query());
      if (json()) {
        out().println(answer.body());
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
      return 0;
    }
  }

  /** sync and deploy: the pipeline with the seed's options. */
  static class PipelineAction extends Action {
    @Mixin SeedFlags flags;

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
