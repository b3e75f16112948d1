package io.sylvan.operator.cli;

import static io.sylvan.operator.cli.Table.sha;
import static io.sylvan.operator.cli.Table.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code GET /status} or {@code GET /status/{env}}. */
@Command(name = "status", description = "Sync, health and commits of every environment, or of one.")
class StatusCommand extends CtlCommand {

  @Parameters(index = "0", arity = "0..1", paramLabel = "<env>", description = "One environment.")
  String env;

  @Override
  int execute() {
    OperatorClient.Answer answer = client().get(env == null ? "/status" : envPath("/status/", env));
    if (json()) {
      out().println(answer.body());
      return 0;
    }
    List<JsonNode> environments = new ArrayList<>();
    if (env == null) {
      answer.json().path("environments").forEach(environments::add);
    } else {
      environments.add(answer.json());
    }
    Table table =
        new Table("ENV", "SYNC", "HEALTH", "DESIRED", "ACTUAL", "LAST GOOD", "READY", "SUSPENDED");
    for (JsonNode e : environments) {
      table.row(
          text(e, "name"),
          text(e, "sync"),
          text(e, "health"),
          sha(e, "desiredCommit"),
          sha(e, "actualCommit"),
          sha(e, "lastGoodCommit"),
          readyReason(e),
          e.path("suspended").asBoolean() ? "yes" : "no");
    }
    table.print(out());
    printNodes(environments);
    if (env == null) {
      JsonNode source = answer.json().path("specSource");
      out().println();
      out().println("spec source: " + text(source, "source") + " @ " + text(source, "revision"));
      if (source.hasNonNull("error")) {
        out().println("spec source error: " + source.get("error").asText());
      }
    } else {
      printDetail(environments.get(0));
    }
    return 0;
  }

  private void printDetail(JsonNode e) {
    out().println();
    for (JsonNode c : e.path("conditions")) {
      out()
          .printf(
              "%-12s %-5s %-24s %s%n",
              text(c, "type"),
              c.path("status").asBoolean() ? "True" : "False",
              text(c, "reason"),
              text(c, "message"));
    }
    JsonNode last = e.path("lastDeployment");
    if (last.isObject()) {
      out()
          .printf(
              "last deployment: #%s %s %s of %s at %s%n",
              text(last, "id"),
              text(last, "type"),
              text(last, "status"),
              sha(last, "gitCommit"),
              Table.time(last, "startTime"));
    }
  }

  /** One row per node, only for environments that run on more than one (a single VM: none). */
  private void printNodes(List<JsonNode> environments) {
    List<JsonNode> fleet = environments.stream().filter(e -> e.path("nodes").size() > 1).toList();
    if (fleet.isEmpty()) {
      return;
    }
    Table table =
        new Table("ENV", "NODE", "SYNC", "HEALTH", "ACTUAL", "LAST DEPLOYMENT", "ROLLOUT");
    for (JsonNode e : fleet) {
      for (JsonNode n : e.path("nodes")) {
        JsonNode last = n.path("lastDeployment");
        table.row(
            text(e, "name"),
            text(n, "name"),
            text(n, "sync"),
            text(n, "health"),
            sha(n, "actualCommit"),
            last.isObject()
                ? "#" + text(last, "id") + " " + text(last, "type") + " " + text(last, "status")
                : "-",
            text(n, "rolloutState"));
      }
    }
    out().println();
    table.print(out());
  }

  private static String readyReason(JsonNode e) {
    for (JsonNode c : e.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return text(c, "reason");
      }
    }
    return "-";
  }
}
