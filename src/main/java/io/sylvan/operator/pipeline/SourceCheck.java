package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Git;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Whether the app repository answers and holds a commit: fetches the operator's mirror of it, then
 * looks the commit up there. The reconciler asks before it starts a deployment, the validate step
 * of every deployment (the API's too). Messages never hold credentials of the repository URL.
 */
public final class SourceCheck {

  static final Duration FETCH_TIMEOUT = Duration.ofMinutes(5);

  /** What the check found. */
  public enum Status {
    OK,
    /** The repository could not be fetched: worth retrying. */
    UNAVAILABLE,
    /** The repository answered without the commit: retrying will not help. */
    COMMIT_NOT_FOUND
  }

  /**
   * @param status what the check found
   * @param message why it is not OK, with URL credentials masked; {@code null} when OK
   * @param mirror the fetched mirror of the repository
   */
  public record Result(Status status, String message, Path mirror) {
    public boolean ok() {
      return status == Status.OK;
    }
  }

  private SourceCheck() {}

  /** Checks {@code commit} in {@code repository}, through the toolbox's mirror of it. */
  public static Result check(Toolbox tools, String repository, String commit) {
    return check(tools.git(), tools.mirrorFor(repository), repository, commit);
  }

  static Result check(Git git, Path mirror, String repository, String commit) {
    try {
      git.ensureMirror(repository, mirror, FETCH_TIMEOUT);
    } catch (RuntimeException e) {
      // git's own output is redacted by the runner; the URL we add is redacted here.
      return new Result(
          Status.UNAVAILABLE,
          "cannot fetch " + Git.redactUrls(repository) + ": " + e.getMessage(),
          mirror);
    }
    if (!git.commitExists(mirror, commit)) {
      return new Result(
          Status.COMMIT_NOT_FOUND,
          "commit " + commit + " does not exist in " + Git.redactUrls(repository),
          mirror);
    }
    return new Result(Status.OK, null, mirror);
  }
}
