package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The node's side of {@code spec.env.encryptedFile}: where the encrypted file is (relative to the
 * spec repository's root), the node's age identity, and decryption into memory.
 *
 * @param identity the node's age identity ({@code sylvan.secrets.identity}); empty when unset
 * @param specRoot the spec repository's root (the git checkout, or the folder holding the local
 *     spec folder); empty when unknown
 */
public record EnvSecrets(Optional<Path> identity, Optional<Path> specRoot, Age age) {

  /** No identity, no spec repository: encrypted env files halt in validation. */
  public static final EnvSecrets NONE = new EnvSecrets(Optional.empty(), Optional.empty(), null);

  /** In a release: its decrypted env file (what the launcher and Next.js read). */
  public static final String RELEASE_ENV = ".env.local";

  /** In a release: the encrypted file it was decrypted from (a backup keeps this copy). */
  public static final String RELEASE_ENV_SOURCE = ".sylvan-env.age";

  /** In a release: the SHA-256 of the encrypted source and of the content, never the content. */
  public static final String RELEASE_ENV_HASHES = ".sylvan-env";

  /**
   * A decrypted env file, in memory only.
   *
   * @param file the encrypted file, for messages
   * @param source the encrypted bytes (safe to keep)
   * @param content the plaintext
   * @param values its keys and values
   */
  public record Decrypted(Path file, byte[] source, byte[] content, Map<String, String> values) {

    public String sourceHash() {
      return Hashes.sha256(source);
    }

    /** SHA-256 of the plaintext: what a deployment records, never the content. */
    public String contentHash() {
      return Hashes.sha256(content);
    }

    /** The values a build bakes in ({@code NEXT_PUBLIC_*}), sorted. */
    public Map<String, String> buildValues() {
      return buildValuesOf(values);
    }
  }

  /** {@code NEXT_PUBLIC_*} of {@code values}: Next.js inlines them into the build output. */
  static Map<String, String> buildValuesOf(Map<String, String> values) {
    Map<String, String> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith("NEXT_PUBLIC_")) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** The encrypted file of {@code spec}, which must stay inside the spec repository. */
  public Path encryptedFile(DeploySpec spec) throws Age.AgeException {
    String rel = spec.spec().env().encryptedFile();
    if (specRoot.isEmpty()) {
      throw new Age.AgeException("no spec repository to read " + rel + " from");
    }
    Path root = specRoot.get().toAbsolutePath().normalize();
    Path file = root.resolve(rel).normalize();
    try {
      // A symbolic link in the repository must not reach a file outside it.
      if (Files.exists(file) && !file.toRealPath().startsWith(root.toRealPath())) {
        throw new Age.AgeException(rel + " leads outside the spec repository");
      }
    } catch (IOException e) {
      throw new Age.AgeException("cannot resolve " + rel + " in the spec repository");
    }
    return file;
  }

  /** SHA-256 of the spec's encrypted file as it is now; empty when it cannot be read. */
  public Optional<String> sourceHash(DeploySpec spec) {
    try {
      return Optional.of(Hashes.sha256(encryptedFile(spec)));
    } catch (IOException | Age.AgeException e) {
      return Optional.empty();
    }
  }

  /**
   * Decrypts the spec's encrypted file with the node's identity. Its values are masked by every
   * redactor of this process from now on (defense in depth).
   */
  public Decrypted decrypt(DeploySpec spec) throws Age.AgeException {
    if (identity.isEmpty()) {
      throw new Age.AgeException(
          "spec.env.encryptedFile is set but this node has no age identity: set"
              + " sylvan.secrets.identity (SYLVAN_SECRETS_IDENTITY), see docs/secrets.md");
    }
    Path file = encryptedFile(spec);
    byte[] source;
    try {
      source = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new Age.AgeException(
          "the encrypted env file " + spec.spec().env().encryptedFile() + " cannot be read");
    }
    byte[] content = age.decrypt(identity.get(), file);
    Map<String, String> values = EnvFile.parse(new String(content, StandardCharsets.UTF_8));
    Redactor.remember(values.values());
    return new Decrypted(file, source, content, values);
  }

  /** The hashes a release records for its env file: source and content, or empty. */
  static Optional<String[]> hashesOf(Path release) {
    try {
      String[] h = Files.readString(release.resolve(RELEASE_ENV_HASHES)).strip().split("\\s+");
      return h.length == 2 ? Optional.of(h) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** SHA-256 of the encrypted file {@code release} was made from; empty for other releases. */
  public static Optional<String> sourceHashOf(Path release) {
    return hashesOf(release).map(h -> h[0]);
  }

  /** SHA-256 of {@code release}'s decrypted env file; empty for other releases. */
  public static Optional<String> contentHashOf(Path release) {
    return hashesOf(release).map(h -> h[1]);
  }
}
