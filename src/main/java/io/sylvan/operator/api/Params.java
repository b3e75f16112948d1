package io.sylvan.operator.api;

import java.util.regex.Pattern;

/**
 * Query and path parameters are taken as strings and checked here, so a bad value gets a 400 that
 * names the parameter (JAX-RS would take {@code ?force=1} as false, or answer 404 for a number that
 * does not convert).
 */
final class Params {

  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,40}");

  private Params() {}

  /** {@code true} or {@code false} (any case); absent is false. */
  static boolean bool(String name, String value) {
    if (value == null) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw ApiException.badParameter(
        name, name + " must be true or false, got '" + shown(value) + "'");
  }

  /** A whole number between {@code min} and {@code max}. */
  static long longIn(String name, String value, long min, long max) {
    try {
      long v = Long.parseLong(value.trim());
      if (v < min || v > max) {
        throw ApiException.badParameter(
            name, name + " must be between " + min + " and " + max + ", got " + v);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badParameter(
          name, name + " must be a whole number, got '" + shown(value) + "'");
    }
  }

  /** A commit sha, full or abbreviated (7 to 40 hex digits); absent stays null. */
  static String commit(String name, String value) {
    if (value == null) {
      return null;
    }
    if (!SHA.matcher(value).matches()) {
      throw ApiException.badParameter(
          name, name + " must be a commit sha of 7 to 40 hex digits, got '" + shown(value) + "'");
    }
    return value.toLowerCase(java.util.Locale.ROOT);
  }

  /** Whether {@code value} holds a control character (NUL, newline, DEL, ...). */
  static boolean hasControlCharacter(String value) {
    return value.chars().anyMatch(Character::isISOControl);
  }

  /** A bad value as it can be quoted in a message: short, control characters escaped. */
  static String shown(String value) {
    StringBuilder b = new StringBuilder();
    value
        .codePoints()
        .limit(80)
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return value.length() > 80 ? b + "..." : b.toString();
  }
}
