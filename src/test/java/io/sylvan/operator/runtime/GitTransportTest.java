package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The argv, environment and ssh command line git gets for private repositories, as the strings they
 * are (Kamal style); only the shell round trip runs {@code sh}, to prove the quoting.
 */
class GitTransportTest {

  @TempDir Path tmp;

  @Test
  void withNothingConfiguredSshStillNeverPromptsAndRefusesUnknownHosts() {
    GitTransport t = GitTransport.defaults();

    assertThat(t.sshCommand())
        .isEqualTo(
            "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UpdateHostKeys=no"
                + " -o IdentitiesOnly=yes");
    assertThat(t.env())
        .containsEntry("GIT_TERMINAL_PROMPT", "0")
        .containsEntry("GIT_SSH_COMMAND", t.sshCommand())
        .containsEntry("GIT_SSH_VARIANT", "ssh");
    assertThat(t.envToRemove()).contains("GIT_SSH", "GIT_ASKPASS", "SSH_ASKPASS", "SSH_AUTH_SOCK");
    assertThat(t.gitOptions()).isEmpty();
  }

  @Test
  void aDeployKeyAndAPinnedKnownHostsFileAreTheOnlyOnesSshUses() {
    GitTransport t =
        new GitTransport(
            Optional.of(Path.of("/var/lib/sylvan-operator/.ssh/deploy_app")),
            Optional.of(Path.of("/etc/sylvan-operator/known_hosts")),
            Optional.empty());

    assertThat(t.sshCommand())
        .isEqualTo(
            "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UpdateHostKeys=no"
                + " -o IdentitiesOnly=yes -i /var/lib/sylvan-operator/.ssh/deploy_app"
                + " -o UserKnownHostsFile=/etc/sylvan-operator/known_hosts"
                + " -o GlobalKnownHostsFile=/dev/null");
  }

  @Test
  void hostilePathsReachSshAsOneLiteralWordEachThroughTheShellGitUses() throws Exception {
    List<String> hostile =
        List.of(
            "/keys/a;>pwned",
            "/keys/`>pwned`",
            "/keys/a|b&c>d<e",
            "/keys/*",
            "/keys/#x",
            "/keys/(x){y}!z?");
    for (String path : hostile) {
      GitTransport t =
          new GitTransport(
              Optional.of(Path.of(path)), Optional.of(Path.of(path)), Optional.empty());

      // git runs GIT_SSH_COMMAND as `sh -c '<it> "$@"' <it> <args>`; here `ssh` is a function
      // that prints its words, so what sh hands ssh is what we compare.
      List<String> words = shellWords(t.sshCommand());

      assertThat(words).containsSequence("-i", path);
      assertThat(words).containsSequence("-o", "UserKnownHostsFile=" + path);
      assertThat(tmp.resolve("pwned")).doesNotExist();
    }
  }

  @Test
  void shellQuotingSurvivesSingleQuotesToo() throws Exception {
    String word = "it's '$(touch pwned)' \"x\" \\ `y`";
    assertThat(shellWords("ssh " + ShellQuote.quote(word))).containsExactly(word);
    assertThat(tmp.resolve("pwned")).doesNotExist();
  }

  @Test
  void pathsSshWouldSplitOrExpandAreRefusedNamingTheSetting() {
    for (String bad :
        List.of(
            "/keys/with space",
            "/keys/%d",
            "/keys/${HOME}",
            "/keys/quo'te",
            "/keys/dq\"",
            "/keys/back\\slash",
            "/keys/new\nline")) {
      assertThatThrownBy(
              () -> new GitTransport(Optional.of(Path.of(bad)), Optional.empty(), Optional.empty()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("sylvan.git.ssh-key: ")
          .hasMessageContaining("ssh would read as a separator or an expansion");
    }
    assertThatThrownBy(
            () ->
                new GitTransport(
                    Optional.empty(), Optional.of(Path.of("known_hosts")), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sylvan.git.known-hosts: 'known_hosts' must be an absolute path");
  }

  @Test
  void aKeyReadableByOthersIsRefusedWithPathAndModeButNotItsContent() throws Exception {
    Path key = tmp.resolve("deploy_key");
    Files.writeString(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEYBODY\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    GitTransport t = new GitTransport(Optional.of(key), Optional.empty(), Optional.empty());

    assertThatThrownBy(t::check)
        .isInstanceOf(GitException.class)
        .hasMessageContaining("sylvan.git.ssh-key: " + key + " has mode 0644")
        .hasMessageContaining("chmod 600 " + key)
        .message()
        .doesNotContain("SECRETKEYBODY");

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    t.check();
  }

  @Test
  void aMissingKeyOrKnownHostsFileIsNamed() {
    Path missing = tmp.resolve("nope");
    assertThatThrownBy(
            () ->
                new GitTransport(Optional.empty(), Optional.of(missing), Optional.empty()).check())
        .hasMessageContaining("sylvan.git.known-hosts: " + missing + " does not exist");
    assertThatThrownBy(
            () ->
                new GitTransport(Optional.of(missing), Optional.empty(), Optional.empty()).check())
        .hasMessageContaining("sylvan.git.ssh-key: " + missing + " does not exist");
  }

  @Test
  void aCredentialsFileMustHaveMode600AndIsUsedThroughAGetOnlyHelper() throws Exception {
    Path creds = tmp.resolve("git-credentials");
    Files.writeString(
        creds, "https://deploy:ghp_TOKENVALUE123@git.example.com\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-r-----"));
    GitTransport t = new GitTransport(Optional.empty(), Optional.empty(), Optional.of(creds));

    assertThatThrownBy(t::check)
        .hasMessageContaining("sylvan.git.credentials-file: " + creds + " has mode 0640")
        .message()
        .doesNotContain("ghp_TOKENVALUE123");
    Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-------"));
    t.check();

    assertThat(t.gitOptions())
        .containsExactly(
            "-c",
            "credential.helper=",
            "-c",
            "credential.helper=!f() { if [ \"$1\" = get ]; then git credential-store --file="
                + creds
                + " get; fi; }; f");
    assertThat(t.secrets()).contains("deploy:ghp_TOKENVALUE123", "ghp_TOKENVALUE123");
    // The token never rides on an argv or in the environment.
    assertThat(String.join(" ", t.gitOptions()) + t.env()).doesNotContain("ghp_TOKENVALUE123");
  }

  @Test
  void theCredentialHelperAnswersFromTheFileAndNeverRewritesIt() throws Exception {
    // A folder name the shell would cut at ';' and '&' if the helper did not quote it.
    Path creds = Files.createDirectories(tmp.resolve("a;b&c")).resolve("git-credentials");
    String line = "https://deploy:ghp_TOKENVALUE123@git.example.com\n";
    Files.writeString(creds, line, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-------"));
    GitTransport t = new GitTransport(Optional.empty(), Optional.empty(), Optional.of(creds));

    String filled = credential(t, "fill", "protocol=https\nhost=git.example.com\n\n");
    assertThat(filled).contains("username=deploy").contains("password=ghp_TOKENVALUE123");

    // git calls the helpers with "erase" when a server rejects a token, "store" when it worked.
    credential(t, "reject", "protocol=https\nhost=git.example.com\nusername=deploy\n\n");
    credential(t, "approve", "protocol=https\nhost=other.example\nusername=u\npassword=p\n\n");
    assertThat(Files.readString(creds)).isEqualTo(line);
  }

  @Test
  void gitCommandsCarryTheCredentialOptionsBeforeTheSubcommand() {
    GitTransport t =
        new GitTransport(
            Optional.empty(), Optional.empty(), Optional.of(Path.of("/etc/sylvan/creds")));
    GitCommands git = new GitCommands("git", t.gitOptions());

    assertThat(git.updateMirror(Path.of("/m.git")))
        .containsExactly(
            "git",
            "-c",
            "credential.helper=",
            "-c",
            "credential.helper="
                + GitTransport.credentialHelper(Optional.of(Path.of("/etc/sylvan/creds"))),
            "--git-dir=/m.git",
            "remote",
            "update",
            "--prune");
  }

  @Test
  void anUnknownHostKeyIsExplainedWithTheCommandThatAddsIt() {
    GitTransport t =
        new GitTransport(
            Optional.empty(), Optional.of(Path.of("/etc/sylvan/known_hosts")), Optional.empty());
    String sshSaid =
        "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict"
            + " checking.\nHost key verification failed.\nfatal: Could not read from remote";

    assertThat(t.explain(sshSaid, "ssh://git@127.0.0.1:2222/srv/app.git"))
        .hasValueSatisfying(
            hint ->
                assertThat(hint)
                    .contains("not in /etc/sylvan/known_hosts")
                    .contains("`ssh-keyscan -p 2222 127.0.0.1 >> /etc/sylvan/known_hosts`")
                    .contains("ssh-keygen -lf /etc/sylvan/known_hosts")
                    .contains("out of band"));
    assertThat(t.explain(sshSaid, "git@github.com:acme/app.git"))
        .hasValueSatisfying(
            hint ->
                assertThat(hint).contains("`ssh-keyscan github.com >> /etc/sylvan/known_hosts`"));
    assertThat(t.explain("fatal: repository not found", "ssh://h/x")).isEmpty();
  }

  @Test
  void hostAndPortAreReadFromSshAndScpLikeUrlsOnly() {
    assertThat(GitTransport.hostAndPort("ssh://u@h.example:2200/x.git"))
        .hasValueSatisfying(h -> assertThat(h).containsExactly("h.example", "2200"));
    assertThat(GitTransport.hostAndPort("git@github.com:acme/app.git"))
        .hasValueSatisfying(h -> assertThat(h).containsExactly("github.com", "22"));
    assertThat(GitTransport.hostAndPort("https://github.com/acme/app.git")).isEmpty();
    assertThat(GitTransport.hostAndPort("/srv/git/app.git")).isEmpty();
  }

  @Test
  void anSshLoginNameIsNotMaskedButAnHttpsTokenAlwaysIs() {
    assertThat(GitTransport.urlSecrets("ssh://deploy@git.example.com/app.git")).isEmpty();
    assertThat(GitTransport.urlSecrets("ssh://deploy:hunter22@git.example.com/app.git"))
        .contains("hunter22");
    assertThat(GitTransport.urlSecrets("https://ghp_TOKENVALUE@github.com/acme/app.git"))
        .contains("ghp_TOKENVALUE");
  }

  /** {@code git credential <action>} with the transport's options, {@code input} on stdin. */
  private String credential(GitTransport t, String action, String input) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("git"));
    argv.addAll(t.gitOptions());
    argv.addAll(List.of("credential", action));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().putAll(t.env());
    Process p = pb.start();
    p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  /** The words {@code sh} passes to {@code ssh} when it runs {@code command} as git does. */
  private List<String> shellWords(String command) throws Exception {
    Process p =
        new ProcessBuilder(
                "sh", "-c", "ssh() { printf '%s\\n' \"$@\"; }; " + command + " \"$@\"", "sh")
            .directory(tmp.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out.lines().toList();
  }
}
