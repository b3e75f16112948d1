package io.sylvan.operator.cli;

import static io.sylvan.operator.cli.Table.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code GET /nodes}: the fleet's nodes, their leases and readiness. */
@Command(name = "nodes", description = "Nodes of the fleet: labels, version, lease age, Ready.")
class NodesCommand extends CtlCommand {

  @Override
  int execute() {
    OperatorClient.Answer answer = client().get("/nodes");
    if (json()) {
      out().println(answer.body());
      return 0;
    }
    Table table = new Table("NAME", "STATUS", "LEASE AGE", "VERSION", "LABELS", "STARTED");
    for (JsonNode n : answer.json()) {
      // The node that answered is marked, as kubectl marks the current context.
      String name = text(n, "name") + (n.path("self").asBoolean() ? " (this)" : "");
      table.row(
          name,
          n.path("ready").asBoolean() ? "Ready" : "NotReady",
          String.format(Locale.ROOT, "%.1fs", n.path("leaseAgeSeconds").asDouble()),
          text(n, "operatorVersion"),
          labels(n.path("labels")),
          Table.time(n, "startedAt"));
    }
    table.print(out());
    return 0;
  }

  private static String labels(JsonNode labels) {
    List<String> pairs = new ArrayList<>();
    labels.properties().forEach(e -> pairs.add(e.getKey() + "=" + e.getValue().asText()));
    return pairs.isEmpty() ? "-" : String.join(",", pairs);
  }
}
