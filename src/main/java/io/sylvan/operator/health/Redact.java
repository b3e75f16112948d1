package io.sylvan.operator.health;

/** Health output is public: it carries no absolute paths and no credentials. */
final class Redact {

  private Redact() {}

  static String paths(String message) {
    if (message == null) {
      return null;
    }
    return message
        .replaceAll("//[^/\\s@]*@", "//***@")
        .replaceAll("(?<![\\w.:/])/(?:[\\w.@+-]+/)*[\\w.@+-]+", "<path>");
  }
}
