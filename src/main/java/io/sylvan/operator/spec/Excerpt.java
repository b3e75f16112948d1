package io.sylvan.operator.spec;

import io.sylvan.operator.runtime.Redactor;
import java.util.regex.Pattern;

/**
 * A spec value as error messages may quote it: short, one line, with URL credentials and {@code
 * NAME=value} assignments redacted. Messages end up in {@code /status}, which needs no token, so a
 * value is never quoted whole: a file that is not a spec (an env file, a key) must not be echoed.
 * Control characters show as {@code ?}.
 */
final class Excerpt {

  /** Longest part of a value a message shows. */
  static final int MAX_CHARS = 40;

  private static final Pattern ASSIGNMENT = Pattern.compile("\\b([A-Za-z_][A-Za-z0-9_]*)=\\S+");

  private Excerpt() {}

  /** {@code 'value'}, redacted and cut to {@link #MAX_CHARS} characters with the full length. */
  static String quoted(String value) {
    String shown = plain(value);
    return shown.endsWith("...")
        ? "'" + shown + "' (" + value.length() + " characters)"
        : "'" + shown + "'";
  }

  /** The value redacted and cut to {@link #MAX_CHARS} characters, {@code ...} marking a cut. */
  static String plain(String value) {
    String redacted = ASSIGNMENT.matcher(Redactor.patterns(value)).replaceAll("$1=***");
    StringBuilder shown = new StringBuilder();
    int count = 0;
    for (int i = 0; i < redacted.length(); count++) {
      if (count == MAX_CHARS) {
        return shown.append("...").toString();
      }
      int cp = redacted.codePointAt(i);
      shown.appendCodePoint(Character.isISOControl(cp) ? '?' : cp);
      i += Character.charCount(cp);
    }
    return shown.toString();
  }
}
