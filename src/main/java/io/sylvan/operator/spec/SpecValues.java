package io.sylvan.operator.spec;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules for single values of an {@code AppDeployment} spec, as {@link YamlSection.Converter}s:
 * each returns the value (normalized where said) or throws {@link InvalidValue} with the message
 * the user sees.
 */
final class SpecValues {

  private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{40}");
  private static final Pattern ENVIRONMENT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** {@code <transport>::<address>}: git hands such a URL to {@code git-remote-<transport>}. */
  private static final Pattern REMOTE_HELPER = Pattern.compile("([A-Za-z0-9][A-Za-z0-9+.-]*)::.*");

  private SpecValues() {}

  static String expect(String value, String expected) throws InvalidValue {
    if (!expected.equals(value)) {
      throw new InvalidValue("must be '" + expected + "', got " + Excerpt.quoted(value));
    }
    return value;
  }

  static String appName(String value) throws InvalidValue {
    return matching(
        value,
        APP_NAME,
        "must be a PM2 app name: letters, digits, '.', '_' and '-', at most 64 characters");
  }

  /** {@code metadata.environment}, which must also name the file: {@code <environment>.yaml}. */
  static String environment(String value, String file) throws InvalidValue {
    matching(
        value,
        ENVIRONMENT,
        "must be a lowercase DNS-label-like name: a-z, 0-9 and '-', starting with a letter or"
            + " digit, at most 63 characters");
    String expected = SpecParser.baseName(file);
    if (!value.equals(expected)) {
      throw new InvalidValue(
          "environment '"
              + value
              + "' does not match the file name "
              + file.substring(file.lastIndexOf('/') + 1)
              + "; the file of environment '"
              + value
              + "' must be named "
              + value
              + ".yaml");
    }
    return value;
  }

  static String repository(String value) throws InvalidValue {
    if (value.startsWith("-") || value.chars().anyMatch(c -> Character.isWhitespace(c))) {
      throw new InvalidValue("must be a git URL or path without spaces, not starting with -");
    }
    Matcher helper = REMOTE_HELPER.matcher(value);
    if (helper.matches()) {
      // ext:: runs an arbitrary command, fd:: reads file descriptors: never wanted.
      throw new InvalidValue(
          "'"
              + Excerpt.plain(helper.group(1))
              + "::' selects a git remote helper, which is not allowed (ext:: would"
              + " run a command); use an https://, ssh://, git@host:path URL or a"
              + " local path");
    }
    return value;
  }

  /** A full commit sha, returned in lower case. */
  static String commit(String value) throws InvalidValue {
    if (!COMMIT.matcher(value).matches()) {
      throw new InvalidValue(
          "must be a full commit sha of exactly 40 hex characters, got "
              + Excerpt.quoted(value)
              + (value.length() <= Excerpt.MAX_CHARS ? " (" + value.length() + " characters)" : "")
              + "; abbreviated shas and branch names are ambiguous");
    }
    return value.toLowerCase(Locale.ROOT);
  }

  /** {@code target.root}: an absolute path other than {@code /}, returned normalized. */
  static Path root(String value) throws InvalidValue {
    Path path = toPath(value);
    if (!path.isAbsolute()) {
      throw new InvalidValue("must be an absolute path like /srv/sylvan/production");
    }
    Path normalized = path.normalize();
    if (normalized.getNameCount() == 0) {
      throw new InvalidValue("must not be the filesystem root");
    }
    return normalized;
  }

  /** {@code build.install}: {@code auto} (by the lockfile) or a command. */
  static String install(String value) throws InvalidValue {
    return DeploySpec.Build.AUTO.equals(value) ? value : command("'auto' or a command", value);
  }

  static String command(String value) throws InvalidValue {
    return command("a command", value);
  }

  /** A file of the release, such as {@code process.script}. */
  static String releaseFile(String value) throws InvalidValue {
    return relative(value, "the release directory");
  }

  /** A command line that {@link CommandLine} can split; {@code expected} names what is wanted. */
  private static String command(String expected, String value) throws InvalidValue {
    try {
      CommandLine.split(value);
      return value;
    } catch (IllegalArgumentException e) {
      throw new InvalidValue("must be " + expected + ": " + e.getMessage());
    }
  }

  static String envVar(String value) throws InvalidValue {
    return matching(
        value,
        ENV_VAR,
        "must be an environment variable name: letters, digits and '_', not"
            + " starting with a digit");
  }

  static String urlPath(String value) throws InvalidValue {
    if (!value.startsWith("/") || value.startsWith("//")) {
      throw new InvalidValue("must be a URL path starting with '/', like /api/health");
    }
    if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new InvalidValue("must not contain spaces or control characters");
    }
    return value;
  }

  /** A path that must stay inside {@code base}; returned normalized. */
  static String relative(String value, String base) throws InvalidValue {
    Path path = toPath(value);
    if (path.isAbsolute()) {
      throw new InvalidValue("must be a path relative to " + base + ", not an absolute path");
    }
    Path normalized = path.normalize();
    if (normalized.startsWith("..")) {
      throw new InvalidValue("'..' leads outside " + base + "; the path must stay inside it");
    }
    if (normalized.toString().isEmpty()) {
      throw new InvalidValue("must name a file inside " + base);
    }
    return normalized.toString();
  }

  private static Path toPath(String value) throws InvalidValue {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new InvalidValue("is not a valid path: " + e.getReason());
    }
  }

  private static String matching(String value, Pattern pattern, String rule) throws InvalidValue {
    if (!pattern.matcher(value).matches()) {
      throw new InvalidValue(rule + ", got " + Excerpt.quoted(value));
    }
    return value;
  }
}
