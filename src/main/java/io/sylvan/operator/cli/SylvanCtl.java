package io.sylvan.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code sylvanctl}: the operator's command line. Talks to the REST API with the JDK HTTP client
 * (no CDI, no Quarkus), except {@code validate}, which checks a spec folder offline.
 *
 * <p>Exit codes: 0 done, 1 the operator refused the request (or the specs or the app are not
 * healthy), 2 usage error or operator unreachable, 3 the operator refused the token; with {@code
 * --wait}, 4 the deployment failed and 5 it failed and was rolled back.
 */
@Command(
    name = "sylvanctl",
    mixinStandardHelpOptions = true,
    // Subcommands inherit --help/--version too.
    scope = ScopeType.INHERIT,
    version = "sylvanctl 0.1.0",
    description = "Command line of the Sylvan Operator.",
    subcommands = {
      StatusCommand.class,
      NodesCommand.class,
      RolloutCommand.class,
      HistoryCommand.class,
      LogsCommand.class,
      ActionCommands.Sync.class,
      ActionCommands.Deploy.class,
      ActionCommands.Rollback.class,
      ActionCommands.Suspend.class,
      ActionCommands.Resume.class,
      HealthCommand.class,
      ValidateCommand.class
    })
public class SylvanCtl implements Runnable {

  /** How results are printed: aligned tables for people, the API's raw JSON for scripts. */
  public enum Output {
    table,
    json
  }

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      defaultValue = "${env:SYLVAN_SERVER:-http://localhost:8080}",
      description = "Operator URL (default: $SYLVAN_SERVER or http://localhost:8080).")
  String server;

  // No default shown anywhere: the token is never printed.
  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      paramLabel = "TOKEN",
      defaultValue = "${env:SYLVAN_TOKEN}",
      description = "Bearer token for actions (default: $SYLVAN_TOKEN).")
  String token;

  @Option(
      names = "--output",
      scope = ScopeType.INHERIT,
      paramLabel = "table|json",
      defaultValue = "table",
      description = "table (default) or json (the raw API JSON).")
  Output output;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  OperatorClient client() {
    return new OperatorClient(server, token);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SylvanCtl()).execute(args));
  }
}
