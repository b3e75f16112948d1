package io.sylvan.operator.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs {@code age} for the node's identity: decrypts into memory (never into a file), derives the
 * identity's recipient, encrypts a file to it. Messages name files, never content: age's own error
 * text is not passed on, as it can quote the first line of a file that is not age (a plaintext env
 * file committed by mistake would show its first value).
 */
public final class Age {

  /** More than any env file; a bigger plaintext is refused, not buffered. */
  public static final int MAX_PLAINTEXT_BYTES = 1 << 20;

  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern RECIPIENT = Pattern.compile("age1[0-9a-z]{20,100}");

  private static final Set<PosixFilePermission> GROUP_OR_WORLD =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Duration timeout;

  public Age() {
    this(TIMEOUT);
  }

  public Age(Duration timeout) {
    this.timeout = timeout;
  }

  /** Why age could not do what was asked; the message names files and never holds content. */
  public static final class AgeException extends Exception {
    public AgeException(String message) {
      super(message);
    }
  }

  /**
   * Refuses a missing identity or one that others may read: the key decrypts every secret of the
   * node, so it must be as private as an SSH key.
   */
  public static void checkIdentity(Path identity) throws AgeException {
    if (!Files.isRegularFile(identity)) {
      throw new AgeException(
          "the age identity " + identity + " (sylvan.secrets.identity) does not exist");
    }
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(identity, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      throw new AgeException("cannot read the mode of the age identity " + identity);
    }
    if (mode.stream().anyMatch(GROUP_OR_WORLD::contains)) {
      throw new AgeException(
          "the age identity "
              + identity
              + " has mode "
              + PosixFilePermissions.toString(mode)
              + ", readable by others than its owner; refusing it: chmod 600 "
              + identity);
    }
  }

  /** The plaintext of {@code file}, decrypted with {@code identity}, in memory only. */
  public byte[] decrypt(Path identity, Path file) throws AgeException {
    checkIdentity(identity);
    if (!Files.isRegularFile(file)) {
      throw new AgeException("the encrypted env file " + file + " does not exist");
    }
    Output out = run(AgeCommands.decrypt(identity, file));
    if (out.exit != 0) {
      throw new AgeException("cannot decrypt " + file + ": " + explain(out.stderr));
    }
    return out.stdout;
  }

  /** The recipient ({@code age1...}) that files must be encrypted to for {@code identity}. */
  public String recipient(Path identity) throws AgeException {
    checkIdentity(identity);
    Output out = run(AgeCommands.recipient(identity));
    String r = new String(out.stdout, StandardCharsets.UTF_8).strip();
    if (out.exit != 0 || !RECIPIENT.matcher(r).matches()) {
      throw new AgeException("the age identity " + identity + " is not a valid age key file");
    }
    return r;
  }

  /** Encrypts the file {@code in} to {@code recipient} as {@code out}. */
  public void encrypt(String recipient, Path in, Path out) throws AgeException {
    Output o = run(AgeCommands.encrypt(recipient, in, out));
    if (o.exit != 0) {
      throw new AgeException("cannot encrypt " + in + " to " + out);
    }
  }

  /** age's error, said without quoting anything of the file. */
  static String explain(String stderr) {
    if (stderr.contains("no identity matched")) {
      return "it was not encrypted to this node's identity (wrong key: re-encrypt it for this"
          + " node's recipient, see docs/secrets.md)";
    }
    if (stderr.contains("unexpected intro") || stderr.contains("parsing age header")) {
      return "it is not an age-encrypted file";
    }
    if (stderr.contains("failed to read header") || stderr.contains("payload")) {
      return "the file is truncated or damaged";
    }
    if (stderr.contains("identity") || stderr.contains("reading \"")) {
      return "the identity could not be read";
    }
    return "age failed";
  }

  private record Output(int exit, byte[] stdout, String stderr) {}

  private Output run(List<String> argv) throws AgeException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(new java.io.File("/dev/null"));
    for (String name : InheritedEnv.toDrop()) {
      pb.environment().remove(name);
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AgeException(
          "cannot run " + argv.get(0) + " (install the Debian package age): " + e.getMessage());
    }
    // Both pipes drained at once so neither can fill up and block age.
    CompletableFuture<byte[]> stdout =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<byte[]> stderr =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AgeException(argv.get(0) + " did not finish within " + timeout);
      }
      byte[] out = stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (out.length > MAX_PLAINTEXT_BYTES) {
        throw new AgeException(argv.get(0) + " output is larger than " + MAX_PLAINTEXT_BYTES);
      }
      String err =
          new String(stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
      return new Output(p.exitValue(), out, err);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AgeException(argv.get(0) + " was interrupted");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw new AgeException("cannot read the output of " + argv.get(0));
    }
  }

  /** At most one byte more than allowed, so an oversized output is seen without holding it. */
  private static byte[] read(InputStream in) {
    try (in) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (buf.size() <= MAX_PLAINTEXT_BYTES) {
          buf.write(chunk, 0, Math.min(n, MAX_PLAINTEXT_BYTES + 1 - buf.size()));
        }
      }
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
