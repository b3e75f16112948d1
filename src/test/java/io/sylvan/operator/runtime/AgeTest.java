package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The age command lines as pure functions, and real age runs: each failure its own message. */
public class AgeTest {

  static final String CANARY = "canary-Zq81xVb7Lw0p";

  @TempDir Path dir;

  private final Age age = new Age();
  private Path identity;
  private Path encrypted;

  /** A node identity (mode 600, as age-keygen makes it) and a file encrypted to it. */
  public static Path keygen(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("age-keygen", "-o", file.toString()).start();
    p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    return file;
  }

  /** {@code age -r <recipient(identity)> -o out} of {@code text}, with the real binaries. */
  public static Path encrypt(Age age, Path identity, String text, Path out) throws Exception {
    Path plain = out.resolveSibling(out.getFileName() + ".plain");
    Files.writeString(plain, text);
    age.encrypt(age.recipient(identity), plain, out);
    Files.delete(plain);
    return out;
  }

  @BeforeEach
  void setUp() throws Exception {
    identity = keygen(dir.resolve("node.key"));
    encrypted =
        encrypt(age, identity, "API_KEY=" + CANARY + "\nPORT_HINT=1\n", dir.resolve("p.age"));
  }

  @Test
  void theCommandLinesAreArgvArraysWithAbsolutePaths() {
    Path id = Path.of("/etc/sylvan/key.txt");
    assertThat(AgeCommands.decrypt(id, Path.of("/repo/secrets/production.env.age")))
        .containsExactly(
            "age", "--decrypt", "-i", "/etc/sylvan/key.txt", "/repo/secrets/production.env.age");
    assertThat(AgeCommands.recipient(id))
        .containsExactly("age-keygen", "-y", "/etc/sylvan/key.txt");
    assertThat(AgeCommands.encrypt("age1abc", Path.of("/a/b/../.env.local"), Path.of("/bk/x.age")))
        .containsExactly("age", "--encrypt", "-r", "age1abc", "-o", "/bk/x.age", "/a/.env.local");
    // A relative file that looks like an option is made absolute, so age never reads it as one.
    assertThat(AgeCommands.decrypt(id, Path.of("-o"))).last().asString().startsWith("/");
  }

  @Test
  void decryptsIntoMemoryWithTheNodeIdentity() throws Exception {
    byte[] plain = age.decrypt(identity, encrypted);

    assertThat(new String(plain, StandardCharsets.UTF_8)).contains("API_KEY=" + CANARY);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .as("no plaintext file is written")
          .containsExactlyInAnyOrder("node.key", "p.age");
    }
  }

  @Test
  void aFileEncryptedForAnotherNodeSaysWrongKey() throws Exception {
    Path other = keygen(dir.resolve("other.key"));

    assertThatThrownBy(() -> age.decrypt(other, encrypted))
        .isInstanceOf(Age.AgeException.class)
        .hasMessageContaining("cannot decrypt " + encrypted)
        .hasMessageContaining("not encrypted to this node's identity (wrong key");
  }

  @Test
  void aWorldReadableIdentityIsRefusedNamingItsModeAndTheFix() throws Exception {
    Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> age.decrypt(identity, encrypted))
        .hasMessageContaining(identity.toString())
        .hasMessageContaining("mode rw-r--r--")
        .hasMessageContaining("chmod 600 " + identity);
  }

  @Test
  void aGroupReadableIdentityIsRefusedToo() throws Exception {
    Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-r-----"));

    assertThatThrownBy(() -> Age.checkIdentity(identity)).hasMessageContaining("mode rw-r-----");
  }

  @Test
  void aMissingIdentityIsNamed() {
    Path missing = dir.resolve("nowhere.key");

    assertThatThrownBy(() -> age.decrypt(missing, encrypted))
        .hasMessageContaining(missing + " (sylvan.secrets.identity) does not exist");
  }

  @Test
  void aPlaintextFileIsNotAgeAndItsFirstLineIsNotQuoted() throws Exception {
    // age quotes the first line of a file that is not age: a committed plaintext env file.
    Path garbage = dir.resolve("garbage.age");
    Files.writeString(garbage, "API_KEY=" + CANARY + "\n");

    assertThatThrownBy(() -> age.decrypt(identity, garbage))
        .hasMessageContaining("cannot decrypt " + garbage + ": it is not an age-encrypted file")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(CANARY));
  }

  @Test
  void aTruncatedFileSaysTruncated() throws Exception {
    byte[] whole = Files.readAllBytes(encrypted);
    Path payloadCut = dir.resolve("cut.age");
    Files.write(payloadCut, Arrays.copyOf(whole, whole.length - 5));
    Path headerCut = dir.resolve("header-cut.age");
    Files.write(headerCut, Arrays.copyOf(whole, 60));

    for (Path cut : List.of(payloadCut, headerCut)) {
      assertThatThrownBy(() -> age.decrypt(identity, cut))
          .hasMessageContaining("cannot decrypt " + cut + ": the file is truncated or damaged");
    }
  }

  @Test
  void theRecipientIsDerivedFromTheIdentity() throws Exception {
    assertThat(age.recipient(identity)).startsWith("age1").hasSizeGreaterThan(50);
  }
}
