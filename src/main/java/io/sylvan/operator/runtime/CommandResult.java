package io.sylvan.operator.runtime;

import java.time.Duration;

/**
 * What a finished (or killed) command did.
 *
 * @param commandLine the redacted, quoted command line, for messages
 * @param exitCode the process's exit code; after a timeout whatever the killed process reported
 * @param output stdout and stderr interleaved as they arrived, redacted, at most the last {@link
 *     ProcessCommandRunner#MAX_OUTPUT_CHARS} characters (then it starts with a {@code [... N
 *     characters dropped ...]} line)
 * @param duration wall-clock time from start to exit
 * @param timedOut whether the command ran past its timeout and its process tree was killed
 */
public record CommandResult(
    String commandLine, int exitCode, String output, Duration duration, boolean timedOut) {

  /** Exited with 0 within its timeout. */
  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }

  /** The last {@code chars} characters of the output, for error messages. */
  public String tail(int chars) {
    if (chars <= 0) {
      return "";
    }
    return output.length() <= chars ? output : output.substring(output.length() - chars);
  }

  /** One line for logs and exceptions: what ran, how it ended, and the output's last 2000 chars. */
  public String describe() {
    String outcome =
        timedOut ? "timed out after " + duration.toMillis() + " ms" : "exited with " + exitCode;
    String tail = tail(2000).strip();
    return commandLine + " " + outcome + (tail.isEmpty() ? "" : ": " + tail);
  }
}
