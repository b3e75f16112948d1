package io.sylvan.operator.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs sylvanctl in-process, as {@code main} would, with stdout and stderr captured. */
record Ctl(int exitCode, String out, String err) {

  static Ctl run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new SylvanCtl());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Ctl(exit, out.toString(), err.toString());
  }

  /** {@code sylvanctl --server <server> --token <token> args...}. */
  static Ctl against(java.net.URL server, String token, String... args) {
    java.util.List<String> all =
        new java.util.ArrayList<>(
            java.util.List.of("--server", server.toString(), "--token", token));
    all.addAll(java.util.List.of(args));
    return run(all.toArray(String[]::new));
  }

  String all() {
    return out + err;
  }
}
