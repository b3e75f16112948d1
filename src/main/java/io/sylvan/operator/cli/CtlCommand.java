package io.sylvan.operator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A subcommand: reaches the global options through the root command and turns a {@link
 * CliException} into one line on stderr and its exit code.
 */
abstract class CtlCommand implements Callable<Integer> {

  @ParentCommand SylvanCtl root;

  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    try {
      return execute();
    } catch (CliException e) {
      err().println("sylvanctl: " + e.getMessage());
      err().flush();
      return e.exitCode();
    } finally {
      out().flush();
    }
  }

  abstract int execute();

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  OperatorClient client() {
    return root.client();
  }

  boolean json() {
    return root.output == SylvanCtl.Output.json;
  }

  /** {@code /environments/<env>/<action>}, the name encoded. */
  static String envPath(String prefix, String env) {
    return prefix + OperatorClient.encode(env);
  }
}
