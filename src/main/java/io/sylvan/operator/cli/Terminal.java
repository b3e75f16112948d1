package io.sylvan.operator.cli;

import java.io.Console;

/** Whether stdout is a terminal, for the live progress line of {@code --wait}. */
final class Terminal {

  private Terminal() {}

  static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    // From Java 22 a console exists when stdout is redirected too; isTerminal() then tells.
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
