package io.sylvan.operator.cli;

import static io.sylvan.operator.cli.Table.sha;
import static io.sylvan.operator.cli.Table.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rollout [show] <env>}: the environment's fleet rollout from {@code GET /status/{env}};
 * {@code rollout pause|resume|abort <env>}: {@code POST /environments/{env}/rollout/<action>}.
 */
@Command(
    name = "rollout",
    description = "Show an environment's fleet rollout, or pause, resume or abort it.",
    footer = {"", "  rollout [show] <env>", "  rollout pause|resume|abort <env>"})
class RolloutCommand extends CtlCommand {

  static final List<String> ACTIONS = List.of("pause", "resume", "abort");

  @Parameters(
      arity = "1..2",
      paramLabel = "[show|pause|resume|abort] <env>",
      description = "What to do (default: show), and the environment.")
  List<String> args;

  @Override
  int execute() {
    String verb = args.size() == 2 ? args.get(0) : "show";
    String env = args.get(args.size() - 1);
    if (!verb.equals("show") && !ACTIONS.contains(verb)) {
      throw new CliException(
          CliException.UNREACHABLE,
          "rollout: unknown action '" + verb + "' (show, pause, resume or abort)");
    }
    OperatorClient.Answer answer =
        verb.equals("show")
            ? client().get(envPath("/status/", env))
            : client().post(envPath("/environments/", env) + "/rollout/" + verb);
    JsonNode rollout = verb.equals("show") ? answer.json().path("rollout") : answer.json();
    if (json()) {
      out().println(verb.equals("show") ? rollout.toString() : answer.body());
      return 0;
    }
    if (!rollout.isObject()) {
      out().println(env + " has had no rollout (no spec.placement, or no new commit since)");
      return 0;
    }
    if (!verb.equals("show")) {
      out().println("rollout " + verb + " of " + env + " accepted");
    }
    print(env, rollout);
    return 0;
  }

  private void print(String env, JsonNode r) {
    out()
        .printf(
            "rollout #%s of %s: %s -> %s, %s, wave %d of %d, failures %s/%s%n",
            text(r, "id"),
            env,
            sha(r, "previousCommit"),
            sha(r, "commit"),
            text(r, "phase"),
            r.path("currentWave").asInt() + 1,
            r.path("waves").asInt(),
            text(r, "failures"),
            text(r, "maxFailures"));
    out()
        .printf(
            "started %s, updated %s, finished %s%n",
            Table.time(r, "startedAt"), Table.time(r, "updatedAt"), Table.time(r, "finishedAt"));
    if (r.hasNonNull("failedReason")) {
      String by = r.hasNonNull("failedNode") ? " by " + text(r, "failedNode") : "";
      out().printf("stopped%s at %s: %s%n", by, text(r, "failedStep"), text(r, "failedReason"));
    }
    Table table = new Table("NODE", "WAVE", "STATE", "STARTED", "HEALTHY", "ERROR");
    for (JsonNode n : r.path("nodes")) {
      table.row(
          text(n, "name"),
          text(n, "wave"),
          text(n, "state"),
          Table.time(n, "startedAt"),
          Table.time(n, "healthyAt"),
          text(n, "error"));
    }
    out().println();
    table.print(out());
  }
}
