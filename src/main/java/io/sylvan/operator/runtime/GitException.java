package io.sylvan.operator.runtime;

/** A git operation failed. Messages never contain URL credentials. */
public class GitException extends RuntimeException {

  public GitException(String message) {
    super(Redactor.patterns(message));
  }

  public GitException(String message, Throwable cause) {
    super(Redactor.patterns(message), cause);
  }
}
