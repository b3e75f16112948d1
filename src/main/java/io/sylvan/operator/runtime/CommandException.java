package io.sylvan.operator.runtime;

/**
 * A command could not be run at all (program missing, not executable, bad working directory,
 * interrupted). A command that ran and failed is not an exception: see {@link CommandResult#ok()}.
 */
public class CommandException extends RuntimeException {

  public CommandException(String message) {
    super(message);
  }

  public CommandException(String message, Throwable cause) {
    super(message, cause);
  }
}
