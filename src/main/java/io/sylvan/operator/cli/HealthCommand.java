package io.sylvan.operator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The latest health check of an environment in the seed's {@code health-check.sh} JSON: {@code
 * {status, checks, metrics{responseTime, memoryUsage, cpuUsage}, version, commit}}. Exit 0 when
 * healthy, 1 when unhealthy or when there is no check to show.
 */
@Command(
    name = "health",
    description = "The latest health check as the seed's health JSON; exit 1 unless healthy.")
class HealthCommand extends CtlCommand {

  @Parameters(index = "0", paramLabel = "<env>")
  String env;

  @Override
  int execute() {
    JsonNode latest =
        client()
            .get(
                OperatorClient.withQuery(
                    "/deployments", OperatorClient.params("env", env, "limit", 1)))
            .json();
    if (latest == null || latest.isEmpty()) {
      throw new CliException(CliException.FAILED, "no deployment of " + env + " yet");
    }
    String id = latest.get(0).path("id").asText();
    JsonNode checks = client().get("/deployments/" + id).json().path("healthChecks");
    if (checks.isEmpty()) {
      throw new CliException(
          CliException.FAILED, "deployment " + id + " of " + env + " has no health check");
    }
    JsonNode check = checks.get(checks.size() - 1);
    ObjectNode seed = OperatorClient.JSON.createObjectNode();
    seed.set("status", check.path("status"));
    seed.set("checks", check.path("checks"));
    JsonNode metrics = check.path("metrics");
    ObjectNode m = seed.putObject("metrics");
    for (String field : new String[] {"responseTime", "memoryUsage", "cpuUsage"}) {
      m.set(field, metrics.path(field).isMissingNode() ? null : metrics.get(field));
    }
    seed.set("version", check.path("version").isMissingNode() ? null : check.get("version"));
    seed.set("commit", check.path("commit").isMissingNode() ? null : check.get("commit"));
    try {
      out().println(OperatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(seed));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return "healthy".equals(check.path("status").asText()) ? 0 : CliException.FAILED;
  }
}
