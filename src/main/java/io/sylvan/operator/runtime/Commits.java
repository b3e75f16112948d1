package io.sylvan.operator.runtime;

/** How a commit sha is shown to people. */
public final class Commits {

  /** As git's own short form would need at most in a large repository, and as GitHub shows. */
  public static final int SHORT_LENGTH = 12;

  private Commits() {}

  /** The first 12 characters of {@code commit} (all of a shorter one). */
  public static String short12(String commit) {
    return commit.substring(0, Math.min(SHORT_LENGTH, commit.length()));
  }

  /** {@link #short12(String)}, or {@code none} when there is no commit. */
  public static String short12(String commit, String none) {
    return commit == null ? none : short12(commit);
  }
}
