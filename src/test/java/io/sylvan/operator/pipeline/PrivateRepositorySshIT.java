package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.Git;
import io.sylvan.operator.runtime.GitTransport;
import io.sylvan.operator.runtime.SshGitServer;
import io.sylvan.operator.spec.GitSpecSource;
import io.sylvan.operator.spec.SpecParser;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.spec.SpecSourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private repositories over SSH against a real {@code sshd} on a loopback port ({@link
 * SshGitServer}): the operator's own git code (the source check that fetches the app repository's
 * mirror, the release checkout, the spec source) reaches a bare repository of the plain Node
 * fixture app with a deploy key and a pinned known_hosts file, refuses an unknown host key and a
 * key readable by others with messages that say what to do, and never shows or stores the key.
 */
class PrivateRepositorySshIT {

  @TempDir static Path shared;
  private static SshGitServer server;
  private static NodeAppRepo app;
  private static Path appBare;
  private static Path deployKey;
  private static String keyBody;

  @TempDir Path tmp;
  private Path data;
  private Path knownHosts;

  /** Every message and command output the test saw: none may hold the key. */
  private final List<String> recorded = new ArrayList<>();

  /** The git command lines the operator's code ran. */
  private final List<String> ran = new ArrayList<>();

  @BeforeAll
  static void startSshServerWithAPrivateAppRepository() throws Exception {
    deployKey = shared.resolve("keys/deploy_key");
    Files.createDirectories(deployKey.getParent());
    SshGitServer.keygen(deployKey, "sylvan-deploy-key");
    // The base64 body of the private key: what must never appear anywhere.
    keyBody =
        Files.readString(deployKey).lines().filter(l -> !l.startsWith("-----")).findFirst().get();
    server = SshGitServer.start(shared.resolve("sshd"), List.of(Path.of(deployKey + ".pub")));
    app = NodeAppRepo.create(shared.resolve("app"), "7.0.0");
    appBare = shared.resolve("srv/app.git");
    RepoCommands.run(
        shared, "git", "clone", "-q", "--bare", app.dir().toString(), appBare.toString());
  }

  @AfterAll
  static void stopSshServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void pinTheServersHostKey() throws IOException {
    data = tmp.resolve("data");
    knownHosts = tmp.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine());
  }

  @AfterEach
  void nothingShowsOrStoresTheKey() throws IOException {
    assertThat(String.join("\n", recorded)).doesNotContain(keyBody).doesNotContain("PRIVATE KEY");
    if (Files.exists(data)) {
      try (Stream<Path> files = Files.walk(data)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
          assertThat(text).as(f.toString()).doesNotContain(keyBody);
        }
      }
    }
  }

  @Test
  void clonesAndFetchesAPrivateAppRepositoryWithTheDeployKeyAndPinnedHostKey() throws Exception {
    Git git = git(transport(deployKey, knownHosts));
    String url = server.url(appBare);
    Path mirror = data.resolve("mirrors/app.git");
    String first = RepoCommands.run(app.dir(), "git", "rev-parse", "HEAD").output().strip();

    SourceCheck.Result cloned = check(git, mirror, url, first);
    assertThat(cloned.ok()).as(cloned.message() + "\nsshd:\n" + server.log()).isTrue();

    String second = app.commitChange("second commit");
    RepoCommands.run(appBare, "git", "fetch", "-q", app.dir().toString(), "+main:main");
    SourceCheck.Result fetched = check(git, mirror, url, second);
    assertThat(fetched.ok()).as(fetched.message()).isTrue();

    Path release = data.resolve("releases/r2");
    git.checkout(mirror, second, release, Duration.ofMinutes(1));
    assertThat(release.resolve("server.js")).exists();
    assertThat(Files.readString(release.resolve(Git.REVISION_FILE)).strip()).isEqualTo(second);
    assertThat(ran).anyMatch(line -> line.contains("remote update"));
    // Pinned means read only: ssh added nothing to the admin's file.
    assertThat(Files.readString(knownHosts)).isEqualTo(server.knownHostsLine());
  }

  @Test
  void readsSpecsFromAPrivateSpecRepositoryAndTheirAppRepositoryOverSsh() throws Exception {
    Path specs = Files.createDirectories(tmp.resolve("specs"));
    RepoCommands.init(specs);
    String appUrl = server.url(appBare);
    String commit = RepoCommands.run(appBare, "git", "rev-parse", "main").output().strip();
    Files.createDirectories(specs.resolve("deploy-specs"));
    Files.writeString(specs.resolve("deploy-specs/production.yaml"), spec(appUrl, commit));
    RepoCommands.commit(specs, "production over ssh");
    Path specsBare = tmp.resolve("srv/specs.git");
    RepoCommands.run(tmp, "git", "clone", "-q", "--bare", specs.toString(), specsBare.toString());
    GitTransport transport = transport(deployKey, knownHosts);
    GitSpecSource source =
        new GitSpecSource(
            server.url(specsBare),
            "main",
            "deploy-specs",
            data.resolve("spec-checkout"),
            Duration.ofSeconds(60),
            new SpecParser(),
            transport);

    SpecSnapshot first = load(source);
    assertThat(first.invalid()).isEmpty();
    assertThat(first.valid().get("production").spec().source().repository()).isEqualTo(appUrl);

    String next = RepoCommands.commit(specs, "an empty commit moves the branch");
    RepoCommands.run(specsBare, "git", "fetch", "-q", specs.toString(), "+main:main");
    assertThat(load(source).revision()).isEqualTo(next);

    // The repository the spec names is reached the same way.
    SourceCheck.Result r = check(git(transport), data.resolve("mirrors/app.git"), appUrl, commit);
    assertThat(r.ok()).as(r.message()).isTrue();
  }

  @Test
  void refusesAnSshServerWhoseHostKeyIsNotPinnedAndSaysHowToAddIt() throws Exception {
    Files.writeString(knownHosts, "");
    GitTransport transport = transport(deployKey, knownHosts);
    String expected = "`ssh-keyscan -p " + server.port() + " 127.0.0.1 >> " + knownHosts + "`";

    SourceCheck.Result r =
        check(git(transport), data.resolve("mirrors/app.git"), server.url(appBare), "abcdef12");

    assertThat(r.status()).isEqualTo(SourceCheck.Status.UNAVAILABLE);
    assertThat(r.message())
        .contains(
            "the SSH host key of 127.0.0.1 port " + server.port() + " is not in " + knownHosts)
        .contains(expected)
        .contains("Host key verification failed");
    recorded.add(r.message());

    GitSpecSource specs = specSource(transport);
    assertThatThrownBy(specs::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("is not in " + knownHosts)
        .hasMessageContaining(expected)
        .satisfies(e -> recorded.add(e.getMessage()));
    // Refused, never added.
    assertThat(Files.readString(knownHosts)).isEmpty();
  }

  @Test
  void refusesADeployKeyReadableByOthersBeforeRunningGit() throws Exception {
    Path key = tmp.resolve("keys/open_key");
    Files.createDirectories(key.getParent());
    Files.copy(deployKey, key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    GitTransport transport = transport(key, knownHosts);

    SourceCheck.Result r =
        check(git(transport), data.resolve("mirrors/app.git"), server.url(appBare), "abcdef12");

    assertThat(r.status()).isEqualTo(SourceCheck.Status.UNAVAILABLE);
    assertThat(r.message())
        .contains("sylvan.git.ssh-key: " + key + " has mode 0644")
        .contains("chmod 600 " + key);
    recorded.add(r.message());
    assertThat(ran).as("git must not run with such a key").isEmpty();
    assertThat(data.resolve("mirrors/app.git")).doesNotExist();

    GitSpecSource specs = specSource(transport);
    assertThatThrownBy(specs::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("has mode 0644")
        .satisfies(e -> recorded.add(e.getMessage()));
  }

  @Test
  void aKeyTheServerDoesNotKnowIsExplainedAsAMissingDeployKey() throws Exception {
    Path other = tmp.resolve("keys/other_key");
    Files.createDirectories(other.getParent());
    SshGitServer.keygen(other, "not-a-deploy-key");

    SourceCheck.Result r =
        check(
            git(transport(other, knownHosts)),
            data.resolve("mirrors/app.git"),
            server.url(appBare),
            "abcdef12");

    assertThat(r.status()).isEqualTo(SourceCheck.Status.UNAVAILABLE);
    assertThat(r.message())
        .contains("refused the key " + other)
        .contains("add its public half as a (read-only) deploy key");
    recorded.add(r.message());
  }

  private static GitTransport transport(Path key, Path knownHosts) {
    return new GitTransport(Optional.of(key), Optional.of(knownHosts), Optional.empty());
  }

  /** The operator's git, on a runner that records every command line and output. */
  private Git git(GitTransport transport) {
    CommandRunner real = CommandRunner.local();
    CommandRunner recording =
        command -> {
          CommandResult r = real.run(command);
          ran.add(r.commandLine());
          recorded.add(r.commandLine() + "\n" + r.output());
          return r;
        };
    return new Git(recording, "git", transport);
  }

  private SourceCheck.Result check(Git git, Path mirror, String url, String commit) {
    SourceCheck.Result r = SourceCheck.check(git, mirror, url, commit);
    recorded.add(String.valueOf(r.message()));
    return r;
  }

  private SpecSnapshot load(GitSpecSource source) throws SpecSourceException {
    try {
      return source.load();
    } catch (SpecSourceException e) {
      recorded.add(e.getMessage());
      throw new AssertionError(e.getMessage() + "\nsshd:\n" + server.log(), e);
    }
  }

  private static String spec(String repository, String commit) {
    return """
        apiVersion: sylvan.io/v1
        kind: AppDeployment
        metadata:
          environment: production
        spec:
          source:
            repository: %s
            commit: %s
          target:
            root: /srv/sylvan/production
        """
        .formatted(repository, commit);
  }

  /** The spec source an operator would build for the app's repository on the test's sshd. */
  private GitSpecSource specSource(GitTransport transport) {
    return new GitSpecSource(
        server.url(appBare),
        "main",
        ".",
        data.resolve("spec-checkout"),
        Duration.ofSeconds(60),
        new SpecParser(),
        transport);
  }
}
