package io.sylvan.operator.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Reads a folder of spec files; shared by the local and the git source. */
final class SpecFolder {

  private SpecFolder() {}

  /**
   * The {@code *.yaml} and {@code *.yml} files directly inside {@code dir}, by name. Reads at most
   * one byte more than the parser accepts, so a huge file is rejected without being loaded whole.
   */
  static Map<String, byte[]> read(Path dir) throws SpecSourceException {
    if (!Files.isDirectory(dir)) {
      throw new SpecSourceException("spec folder " + dir + " does not exist or is not a folder");
    }
    Map<String, byte[]> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
      for (Path file : entries) {
        if (Files.isRegularFile(file)) {
          try (InputStream in = Files.newInputStream(file)) {
            files.put(
                file.getFileName().toString(), in.readNBytes(SpecDefaults.MAX_FILE_BYTES + 1));
          }
        }
      }
    } catch (IOException e) {
      throw new SpecSourceException("cannot read spec folder " + dir + ": " + e, e);
    }
    return files;
  }

  /** {@code dir:} and the first 12 hex digits of a sha256 over the files' names and contents. */
  static String contentRevision(Map<String, byte[]> files) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        // The separators keep "a" + "bc" apart from "ab" + "c".
        sha.update(file.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(Integer.toString(file.getValue().length).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(file.getValue());
      }
      return "dir:" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static SpecSnapshot parse(SpecParser parser, String revision, Map<String, byte[]> files) {
    Map<String, String> texts = new LinkedHashMap<>();
    files.forEach((name, bytes) -> texts.put(name, new String(bytes, StandardCharsets.UTF_8)));
    return parser.parseAll(revision, texts);
  }
}
