package io.sylvan.operator.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Reads a folder of spec files; shared by the local and the git source and by {@code sylvanctl
 * validate}.
 *
 * <p>Spec files must be regular files: a symbolic link, a FIFO, a device or a folder named like a
 * spec is judged by its type and name only and never opened, so a link cannot make the operator
 * read (and echo in a public status) a file from outside the spec source.
 */
public final class SpecFolder {

  static final String SYMLINK = "is a symbolic link; spec files must be regular files";
  static final String NOT_REGULAR =
      "is not a regular file (a FIFO, device or folder); spec files must be regular files";

  /**
   * What a folder holds.
   *
   * @param files the regular {@code *.yaml}/{@code *.yml} files by name, with their bytes (at most
   *     one byte more than the parser accepts)
   * @param rejected the other entries with those names, by name, with why they were not read
   */
  public record Contents(Map<String, byte[]> files, Map<String, String> rejected) {
    public Contents {
      files = new TreeMap<>(files);
      rejected = new TreeMap<>(rejected);
    }

    /** The same contents with every name passed through {@code rename} (e.g. a folder prefix). */
    public Contents renamed(UnaryOperator<String> rename) {
      Map<String, byte[]> f = new TreeMap<>();
      files.forEach((name, bytes) -> f.put(rename.apply(name), bytes));
      Map<String, String> r = new TreeMap<>();
      rejected.forEach((name, why) -> r.put(rename.apply(name), why));
      return new Contents(f, r);
    }

    public boolean isEmpty() {
      return files.isEmpty() && rejected.isEmpty();
    }

    public int size() {
      return files.size() + rejected.size();
    }
  }

  private SpecFolder() {}

  /**
   * The {@code *.yaml} and {@code *.yml} entries directly inside {@code dir}, by name. Reads at
   * most one byte more than the parser accepts, so a huge file is rejected without being loaded
   * whole.
   */
  public static Contents read(Path dir) throws SpecSourceException {
    if (!Files.isDirectory(dir)) {
      throw new SpecSourceException("spec folder " + dir + " does not exist or is not a folder");
    }
    Map<String, byte[]> files = new TreeMap<>();
    Map<String, String> rejected = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
      for (Path file : entries) {
        readEntry(file, files, rejected);
      }
    } catch (IOException e) {
      throw new SpecSourceException("cannot read spec folder " + dir + ": " + e, e);
    }
    return new Contents(files, rejected);
  }

  /** One spec file, under the name {@code file.toString()}, by the same rules as a folder's. */
  public static Contents readFile(Path file) throws SpecSourceException {
    Map<String, byte[]> files = new TreeMap<>();
    Map<String, String> rejected = new TreeMap<>();
    try {
      readEntry(file, files, rejected);
    } catch (IOException e) {
      throw new SpecSourceException("cannot read spec file " + file + ": " + e, e);
    }
    return new Contents(files, rejected);
  }

  private static void readEntry(Path file, Map<String, byte[]> files, Map<String, String> rejected)
      throws IOException {
    String name = file.getFileName().toString();
    BasicFileAttributes type =
        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (type.isSymbolicLink()) {
      rejected.put(name, SYMLINK);
    } else if (!type.isRegularFile()) {
      rejected.put(name, NOT_REGULAR);
    } else {
      // NOFOLLOW_LINKS: a link swapped in after the check above fails to open instead.
      try (InputStream in =
          Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
        files.put(name, in.readNBytes(SpecDefaults.MAX_FILE_BYTES + 1));
      }
    }
  }

  /**
   * {@code dir:} and the first 12 hex digits of a sha256 over the entries' names and contents (a
   * rejected entry by its name and why).
   */
  static String contentRevision(Contents contents) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> file : contents.files().entrySet()) {
        // The separators keep "a" + "bc" apart from "ab" + "c".
        sha.update(file.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(Integer.toString(file.getValue().length).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(file.getValue());
      }
      for (Map.Entry<String, String> entry : contents.rejected().entrySet()) {
        sha.update((byte) 1);
        sha.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(entry.getValue().getBytes(StandardCharsets.UTF_8));
      }
      return "dir:" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Parses the contents into a snapshot; rejected entries become invalid specs. */
  public static SpecSnapshot parse(SpecParser parser, String revision, Contents contents) {
    Map<String, String> texts = new LinkedHashMap<>();
    contents
        .files()
        .forEach((name, bytes) -> texts.put(name, new String(bytes, StandardCharsets.UTF_8)));
    Map<String, String> rejected = new LinkedHashMap<>();
    contents.rejected().forEach((name, why) -> rejected.put(name, name + " " + why));
    return parser.parseAll(revision, texts, rejected);
  }
}
