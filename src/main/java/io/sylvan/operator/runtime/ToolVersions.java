package io.sylvan.operator.runtime;

import java.time.Duration;
import java.util.Optional;

/** Reads the version a tool prints for {@code --version}. */
public final class ToolVersions {

  private ToolVersions() {}

  /**
   * The last line of {@code <tool> --version} (tools may print notices first), empty when the tool
   * is not installed, fails or times out. The line may be empty when the tool printed nothing.
   */
  public static Optional<String> read(CommandRunner runner, String tool, Duration timeout) {
    try {
      CommandResult r =
          runner.run(Command.builder(ToolCommands.version(tool)).timeout(timeout).build());
      if (!r.ok()) {
        return Optional.empty();
      }
      String out = r.output().strip();
      return Optional.of(out.substring(out.lastIndexOf('\n') + 1).strip());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
