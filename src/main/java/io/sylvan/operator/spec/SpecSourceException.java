package io.sylvan.operator.spec;

/**
 * The spec source could not be read at all (folder missing, git fetch failed). Errors inside spec
 * files are not exceptions: they are reported per file in {@link SpecSnapshot#invalid()}.
 */
public class SpecSourceException extends Exception {

  public SpecSourceException(String message) {
    super(message);
  }

  public SpecSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
