package io.sylvan.operator.spec;

/** Thrown by a value converter of {@link YamlSection}; the message is shown to the user. */
final class InvalidValue extends Exception {

  InvalidValue(String message) {
    super(message, null, false, false);
  }
}
