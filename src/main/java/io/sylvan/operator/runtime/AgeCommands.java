package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * The command lines of {@code age} and {@code age-keygen} (Debian package {@code age}), as pure
 * functions returning the argv. Paths are made absolute, so none can be read as an option.
 */
public final class AgeCommands {

  private AgeCommands() {}

  /** Decrypts {@code file} with {@code identity}; the plaintext goes to stdout. */
  public static List<String> decrypt(Path identity, Path file) {
    return List.of("age", "--decrypt", "-i", abs(identity), abs(file));
  }

  /** The public recipient ({@code age1...}) of the identity file. */
  public static List<String> recipient(Path identity) {
    return List.of("age-keygen", "-y", abs(identity));
  }

  /** Encrypts the file {@code in} to {@code recipient}, writing {@code out}. */
  public static List<String> encrypt(String recipient, Path in, Path out) {
    return List.of("age", "--encrypt", "-r", recipient, "-o", abs(out), abs(in));
  }

  private static String abs(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }
}
