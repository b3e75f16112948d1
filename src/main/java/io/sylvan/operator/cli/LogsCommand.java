package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code GET /deployments/<id>/log}: the deploy log of one deployment, as written (redacted). */
@Command(name = "logs", description = "Print the deploy log of one deployment.")
class LogsCommand extends CtlCommand {

  @Parameters(index = "0", paramLabel = "<deployment-id>")
  long id;

  @Override
  int execute() {
    String log = client().getText("/deployments/" + id + "/log").body();
    if (json()) {
      ObjectNode o = OperatorClient.JSON.createObjectNode();
      o.put("deploymentId", id);
      o.put("log", log);
      out().println(o);
    } else {
      out().print(log);
    }
    return 0;
  }
}
