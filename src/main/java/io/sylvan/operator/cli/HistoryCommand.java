package io.sylvan.operator.cli;

import static io.sylvan.operator.cli.Table.sha;
import static io.sylvan.operator.cli.Table.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code GET /deployments?env=&status=&limit=}, newest first. */
@Command(name = "history", description = "Deployments of an environment, newest first.")
class HistoryCommand extends CtlCommand {

  @Parameters(index = "0", paramLabel = "<env>")
  String env;

  @Option(names = "--limit", paramLabel = "N", description = "At most N rows (default 20).")
  Integer limit;

  @Option(
      names = "--status",
      paramLabel = "S",
      description = "Only in_progress, success, failed or rolled_back.")
  String status;

  @Override
  int execute() {
    OperatorClient.Answer answer =
        client()
            .get(
                OperatorClient.withQuery(
                    "/deployments",
                    OperatorClient.params("env", env, "status", status, "limit", limit)));
    if (json()) {
      out().println(answer.body());
      return 0;
    }
    Table table =
        new Table(
            "ID",
            "TYPE",
            "STATUS",
            "COMMIT",
            "VERSION",
            "STARTED",
            "DURATION",
            "TRIGGER",
            "ERROR",
            "REASON");
    for (JsonNode d : answer.json()) {
      JsonNode error = d.path("error");
      table.row(
          text(d, "id"),
          text(d, "type"),
          text(d, "status"),
          sha(d, "gitCommit"),
          text(d, "version"),
          Table.time(d, "startTime"),
          d.hasNonNull("durationMs") ? d.get("durationMs").asLong() / 1000.0 + "s" : "-",
          text(d, "trigger"),
          error.isObject() ? text(error, "step") + ": " + text(error, "message") : "",
          d.hasNonNull("reason") ? d.get("reason").asText() : "");
    }
    table.print(out());
    if (answer.json().isEmpty()) {
      out()
          .println(
              "(no deployments of " + env + (status == null ? "" : " with status " + status) + ")");
    }
    return 0;
  }
}
