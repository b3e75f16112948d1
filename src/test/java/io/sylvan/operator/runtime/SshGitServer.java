package io.sylvan.operator.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenSSH server ({@code /usr/sbin/sshd}, Debian's openssh-server) for tests: its own host
 * key, its own {@code sshd_config} (no PAM, no strict modes, an authorized_keys file of the test),
 * on a free loopback port, run with {@code -D -e} as a child that {@link #close} kills. It logs in
 * the current user, whose login shell runs {@code git-upload-pack}, so any bare repository on this
 * machine is reachable as {@code ssh://USER@127.0.0.1:PORT/abs/path}.
 */
public final class SshGitServer implements AutoCloseable {

  public static final Path SSHD = Path.of("/usr/sbin/sshd");

  /** Debian's sshd, started as root, refuses to run without its privilege separation folder. */
  private static final Path PRIVSEP_DIR = Path.of("/run/sshd");

  private final Path dir;
  private final int port;
  private final Process process;
  private final List<String> log;
  private final boolean createdPrivsepDir;

  private SshGitServer(
      Path dir, int port, Process process, List<String> log, boolean createdPrivsepDir) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.log = log;
    this.createdPrivsepDir = createdPrivsepDir;
  }

  /**
   * Starts a server in {@code dir} (created) that accepts the public keys {@code authorized}.
   * Aborts the calling test, saying why, when sshd is missing or cannot start as this user.
   */
  public static SshGitServer start(Path dir, List<Path> authorized) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(SSHD),
        SSHD + " is missing: install Debian's openssh-server (.ci/run does) to run this test");
    Files.createDirectories(dir);
    Path hostKey = dir.resolve("host_ed25519");
    keygen(hostKey, "test-host");
    StringBuilder keys = new StringBuilder();
    for (Path pub : authorized) {
      keys.append(Files.readString(pub));
    }
    Files.writeString(dir.resolve("authorized_keys"), keys.toString());
    boolean createdPrivsep = false;
    if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(PRIVSEP_DIR)) {
      Files.createDirectories(PRIVSEP_DIR);
      createdPrivsep = true;
    }
    String lastFailure = "";
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path config = dir.resolve("sshd_config");
      Files.writeString(
          config,
          String.join(
              "\n",
              "Port " + port,
              "ListenAddress 127.0.0.1",
              "HostKey " + hostKey,
              "PidFile " + dir.resolve("sshd.pid"),
              "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
              "UsePAM no",
              "StrictModes no",
              "PasswordAuthentication no",
              "KbdInteractiveAuthentication no",
              "PubkeyAuthentication yes",
              "PermitRootLogin prohibit-password",
              "AllowUsers " + System.getProperty("user.name"),
              "LogLevel VERBOSE",
              ""));
      Process p =
          new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      List<String> log = new CopyOnWriteArrayList<>();
      CountDownLatch listening = new CountDownLatch(1);
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    log.add(line);
                    if (line.contains("Server listening on")) {
                      listening.countDown();
                    }
                  }
                } catch (IOException e) {
                  // The server was stopped.
                }
                listening.countDown();
              },
              "sshd-log");
      pump.setDaemon(true);
      pump.start();
      listening.await(15, TimeUnit.SECONDS);
      if (p.isAlive() && log.stream().anyMatch(l -> l.contains("Server listening on"))) {
        return new SshGitServer(dir, port, p, log, createdPrivsep);
      }
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      lastFailure = String.join("\n", log);
      if (!lastFailure.contains("Address already in use")) {
        break;
      }
    }
    if (createdPrivsep) {
      Files.deleteIfExists(PRIVSEP_DIR);
    }
    Assumptions.abort(
        "sshd cannot start as user "
            + System.getProperty("user.name")
            + " here, so the SSH tests cannot run; sshd said:\n"
            + lastFailure);
    throw new AssertionError("unreachable");
  }

  /** A new ed25519 key pair without passphrase at {@code key} and {@code key.pub}, mode 600. */
  public static void keygen(Path key, String comment) {
    CommandResult r =
        CommandRunner.local()
            .run(
                Command.builder(
                        "ssh-keygen",
                        "-q",
                        "-t",
                        "ed25519",
                        "-N",
                        "",
                        "-C",
                        comment,
                        "-f",
                        key.toString())
                    .timeout(Duration.ofSeconds(30))
                    .build());
    if (!r.ok()) {
      throw new IllegalStateException(r.describe());
    }
    try {
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A known_hosts line that pins this server's host key. */
  public String knownHostsLine() throws IOException {
    String[] pub = Files.readString(dir.resolve("host_ed25519.pub")).strip().split(" ");
    return "[127.0.0.1]:" + port + " " + pub[0] + " " + pub[1] + "\n";
  }

  /** {@code ssh://USER@127.0.0.1:PORT/<bareRepo>}. */
  public String url(Path bareRepo) {
    return "ssh://"
        + System.getProperty("user.name")
        + "@127.0.0.1:"
        + port
        + bareRepo.toAbsolutePath();
  }

  public int port() {
    return port;
  }

  /** What sshd printed so far (for failure messages). */
  public String log() {
    return String.join("\n", log);
  }

  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (createdPrivsepDir) {
      Files.deleteIfExists(PRIVSEP_DIR);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
