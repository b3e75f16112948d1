package io.sylvan.operator.runtime;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one redactor: whatever an app or a command returns passes it before it is stored, logged or
 * answered. It replaces every value of its dictionary (the environment's env file values, the
 * operator's own secrets) with {@code ***} and applies the pattern rules: credentials in URLs
 * ({@code https://user:token@host} becomes {@code https://***@host}) and {@code password=} in
 * connection strings. Values shorter than {@link #MIN_SECRET_LENGTH} characters are not in the
 * dictionary: masking every {@code 1} or {@code on} would destroy the text and hide nothing.
 * Immutable; {@link #with} makes a larger one.
 */
public final class Redactor {

  /** Shorter values would redact ordinary words and digits all over the output. */
  public static final int MIN_SECRET_LENGTH = 4;

  public static final String MASK = "***";

  /** No dictionary, the pattern rules only. */
  public static final Redactor PATTERNS_ONLY = new Redactor(List.of());

  /**
   * User info of a URL. Stops at quotes, backslashes and brackets so it never runs across the
   * boundary of a JSON or shell string (PM2's JSON listing passes through here). A scheme starts a
   * word and is at most 64 characters, and the user info is matched without backtracking: output
   * with long words (minified code, base64) costs linear time, not quadratic.
   */
  private static final Pattern URL_CREDENTIALS =
      Pattern.compile(
          "(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,63}://)[^/@\\s\"'`<>\\\\{}\\[\\]]++@");

  /** {@code password=...} in JDBC URLs and connection strings, up to the next separator. */
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)\\b(password|passwd|pwd)=[^&;\\s\"'`<>\\\\,]+");

  /** An absolute path, for output that is public (the operator's own health endpoints). */
  private static final Pattern ABSOLUTE_PATH =
      Pattern.compile("(?<![\\w.:/])/(?:[\\w.@+-]+/)*[\\w.@+-]+");

  /** Longest first, so a secret that contains another one is masked as a whole. */
  private final List<String> secrets;

  /**
   * Values decrypted by this process (age-encrypted env files), masked by every redactor for the
   * life of the process: a defense in depth for output that did not go through the run's own.
   */
  private static volatile List<String> remembered = List.of();

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  /** A redactor with {@code secrets} as its dictionary (short and blank values are left out). */
  public static Redactor of(Collection<String> secrets) {
    return PATTERNS_ONLY.with(secrets);
  }

  /** This dictionary plus {@code more}. */
  public Redactor with(Collection<String> more) {
    if (more == null || more.isEmpty()) {
      return this;
    }
    List<String> merged =
        Stream.concat(secrets.stream(), more.stream())
            .filter(Objects::nonNull)
            .filter(s -> !s.isBlank() && s.length() >= MIN_SECRET_LENGTH)
            .distinct()
            .sorted((a, b) -> Integer.compare(b.length(), a.length()))
            .toList();
    return new Redactor(merged);
  }

  /**
   * Adds {@code values} to what every redactor of this process masks, for as long as it runs (short
   * and blank values are left out, as for a dictionary).
   */
  public static synchronized void remember(Collection<String> values) {
    // Process-wide, so only what looks like a secret: masking a plain word such as `production`
    // or a number everywhere would garble environment names and figures in every answer.
    List<String> secretLike =
        values.stream()
            .filter(Objects::nonNull)
            .filter(v -> v.length() >= 8 && !v.matches("[a-z]+|[0-9.]+|true|false"))
            .toList();
    remembered = PATTERNS_ONLY.with(remembered).with(secretLike).secrets;
  }

  /** This dictionary plus the other's. */
  public Redactor with(Redactor other) {
    return with(other.secrets);
  }

  /** Every dictionary value replaced by {@code ***}, then the pattern rules; null stays null. */
  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String result = text;
    for (String secret : secrets) {
      result = result.replace(secret, MASK);
    }
    for (String secret : remembered) {
      result = result.replace(secret, MASK);
    }
    return patterns(result);
  }

  /** {@link #redact}, and absolute paths replaced by {@code <path>}: for public output. */
  public String redactForPublic(String text) {
    String r = redact(text);
    return r == null ? null : ABSOLUTE_PATH.matcher(r).replaceAll("<path>");
  }

  /**
   * Every absolute path in {@code text} (the ones {@link #redactForPublic} hides) replaced by what
   * {@code each} makes of it; null stays null.
   */
  public static String replacePaths(String text, java.util.function.UnaryOperator<String> each) {
    if (text == null || text.indexOf('/') < 0) {
      return text;
    }
    java.util.regex.Matcher m = ABSOLUTE_PATH.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(each.apply(m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The pattern rules alone: URL credentials and {@code password=} parameters. */
  public static String patterns(String text) {
    if (text == null) {
      return null;
    }
    String r = URL_CREDENTIALS.matcher(text).replaceAll("$1" + MASK + "@");
    return PASSWORD_PARAMETER.matcher(r).replaceAll("$1=" + MASK);
  }

  /** How many values the dictionary holds (for tests and logs; never the values). */
  public int size() {
    return secrets.size();
  }
}
