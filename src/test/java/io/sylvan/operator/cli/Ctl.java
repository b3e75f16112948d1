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

  String all() {
    return out + err;
  }
}
