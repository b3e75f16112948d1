package io.sylvan.operator.runtime;

/**
 * Runs external programs. Implementations never use a shell: the argv array goes to the operating
 * system as is, so arguments containing spaces, quotes or {@code $(...)} are passed literally.
 */
public interface CommandRunner {

  /**
   * Runs {@code command} to completion or until its timeout, when its whole process tree is killed
   * and the result reports {@link CommandResult#timedOut()}.
   *
   * @return the result; a non-zero exit code is a result, not an exception
   * @throws CommandException if the program cannot be started (the message names {@code argv[0]}
   *     and the reason) or the calling thread is interrupted while waiting
   */
  CommandResult run(Command command);

  /** The real implementation, on {@link ProcessBuilder}. */
  static CommandRunner local() {
    return new ProcessCommandRunner();
  }
}
