package io.sylvan.operator.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a spec command ({@code build.command}, {@code migrate.command}, ...) into an argv array.
 *
 * <p>The operator runs commands directly, never through a shell, so that a spec cannot smuggle in
 * redirections, pipes or command substitution. This splitter understands only what is needed to
 * write arguments: whitespace separates words, {@code '...'} is literal, {@code "..."} allows
 * {@code \"} and {@code \\}, and a backslash outside quotes escapes the next character. Shell
 * operators ({@code ; & | < > ( )}, backticks and {@code $}) are rejected with a message instead of
 * being passed on as surprising literal arguments.
 */
public final class CommandLine {

  private CommandLine() {}

  /**
   * Splits {@code command} into words.
   *
   * @throws IllegalArgumentException with a human-readable reason when the command is empty, has an
   *     unterminated quote or uses a shell feature
   */
  public static List<String> split(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < command.length()) {
      char c = command.charAt(i);
      if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '\'') {
        int end = command.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated single quote at character " + (i + 1));
        }
        word.append(command, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i = readDoubleQuoted(command, i, word);
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 >= command.length()) {
          throw new IllegalArgumentException("trailing backslash");
        }
        word.append(command.charAt(i + 1));
        inWord = true;
        i += 2;
      } else {
        rejectShellFeature(command, i);
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("the command is empty");
    }
    return List.copyOf(words);
  }

  /** Reads {@code "..."} starting at the opening quote; returns the index after the closing one. */
  private static int readDoubleQuoted(String command, int open, StringBuilder word) {
    int i = open + 1;
    while (i < command.length()) {
      char c = command.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
        word.append(command.charAt(i + 1));
        i += 2;
        continue;
      }
      if (c == '$' || c == '`') {
        rejectShellFeature(command, i);
      }
      word.append(c);
      i++;
    }
    throw new IllegalArgumentException("unterminated double quote at character " + (open + 1));
  }

  private static void rejectShellFeature(String command, int i) {
    char c = command.charAt(i);
    String feature =
        switch (c) {
          case ';' -> "';'";
          case '&' -> command.startsWith("&&", i) ? "'&&'" : "'&'";
          case '|' -> command.startsWith("||", i) ? "'||'" : "'|'";
          case '<', '>' -> "redirection '" + c + "'";
          case '(', ')' -> "'" + c + "'";
          case '`' -> "command substitution with backticks";
          case '$' -> command.startsWith("$(", i) ? "command substitution '$('" : "'$' expansion";
          default -> null;
        };
    if (feature != null) {
      throw new IllegalArgumentException(
          feature
              + " needs a shell, and the operator runs commands without one;"
              + " quote it if it is meant literally, or put the logic in a script and run that");
    }
  }
}
