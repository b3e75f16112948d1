package io.sylvan.operator.spec;

/**
 * One problem in one spec file, positioned like a compiler message so editors and humans can jump
 * to it.
 *
 * @param file the spec file name as given to the parser
 * @param line 1-based line
 * @param column 1-based column
 * @param field the field path ({@code spec.healthCheck.timeout}), or {@code (yaml)} for syntax
 *     errors and {@code (file)} for problems with the file as a whole
 * @param message what is wrong, for a human
 */
public record SpecError(String file, int line, int column, String field, String message) {

  /** Field name of YAML syntax errors. */
  public static final String YAML = "(yaml)";

  /** Field name of errors about the whole file (size, emptiness, limits). */
  public static final String FILE = "(file)";

  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + field + ": " + message;
  }
}
