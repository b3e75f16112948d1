package io.sylvan.operator.runtime;

import java.util.regex.Pattern;

/**
 * POSIX {@code sh} quoting of one word. The operator runs its own commands as argv arrays; this is
 * for the two strings that git itself hands to {@code sh -c} ({@code GIT_SSH_COMMAND} and a {@code
 * !} credential helper) and for showing command lines to people.
 */
public final class ShellQuote {

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./^{}-]+");

  private ShellQuote() {}

  /**
   * {@code word} as one shell word: as is when it holds only characters no shell treats specially,
   * otherwise in single quotes, where nothing is special except the quote itself, which is written
   * as {@code '\''}.
   */
  public static String quote(String word) {
    if (!word.isEmpty() && SAFE.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
