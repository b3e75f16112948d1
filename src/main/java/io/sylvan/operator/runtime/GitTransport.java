package io.sylvan.operator.runtime;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How git reaches a private repository, for the app repositories and the spec repository alike: an
 * SSH deploy key ({@code sylvan.git.ssh-key}), a pinned {@code known_hosts} file ({@code
 * sylvan.git.known-hosts}) and a git-credential-store file of HTTPS tokens ({@code
 * sylvan.git.credentials-file}). Everything is optional; unset, ssh uses the operator user's own
 * {@code ~/.ssh} as it would by itself.
 *
 * <p>Whatever is configured, git never waits for anybody: no terminal prompt, no askpass program,
 * ssh in batch mode, and an unknown or changed host key is refused (never added).
 *
 * <p>The builders ({@link #gitOptions}, {@link #env}, {@link #sshCommand}) are pure; {@link #check}
 * looks at the files (their mode, never their content, except the credentials file's tokens, which
 * {@link #secrets} reads only to mask them).
 */
public final class GitTransport {

  public static final String SSH_KEY = "sylvan.git.ssh-key";
  public static final String KNOWN_HOSTS = "sylvan.git.known-hosts";
  public static final String CREDENTIALS_FILE = "sylvan.git.credentials-file";

  /**
   * ssh splits option values at whitespace, reads quotes and backslashes, and expands {@code %}
   * tokens and {@code ${VAR}} in key and known_hosts paths: such paths are refused, not escaped.
   */
  private static final Pattern SSH_SPECIAL = Pattern.compile("[\\s\\p{Cntrl}%$\"'\\\\]");

  /** {@code ssh://[user@]host[:port]/...}, also {@code git+ssh://}. */
  private static final Pattern SSH_URL =
      Pattern.compile(
          "^(?:git\\+)?ssh(?:\\+git)?://(?:[^@/]*@)?(\\[[^\\]]+\\]|[^:/]+)(?::(\\d+))?(?:/.*)?$");

  /** scp-like {@code [user@]host:path}: a colon before any slash, no scheme. */
  private static final Pattern SCP_LIKE = Pattern.compile("^(?:[^@/:]*@)?([^:/]+):(?!//).*$");

  private final Optional<Path> sshKey;
  private final Optional<Path> knownHosts;
  private final Optional<Path> credentialsFile;

  /**
   * @param sshKey the deploy key's private half; empty: ssh's default identities in {@code ~/.ssh}
   * @param knownHosts the only known_hosts file ssh trusts; empty: ssh's defaults ({@code
   *     ~/.ssh/known_hosts}, {@code /etc/ssh/ssh_known_hosts})
   * @param credentialsFile a git-credential-store file ({@code https://user:token@host} a line)
   * @throws IllegalArgumentException when a path is relative or has characters ssh or git would
   *     interpret; the message names the setting
   */
  public GitTransport(
      Optional<Path> sshKey, Optional<Path> knownHosts, Optional<Path> credentialsFile) {
    this.sshKey = sshKey.map(p -> plainPath(SSH_KEY, p));
    this.knownHosts = knownHosts.map(p -> plainPath(KNOWN_HOSTS, p));
    this.credentialsFile = credentialsFile.map(p -> plainPath(CREDENTIALS_FILE, p));
  }

  /** Nothing configured: the operator user's own ssh setup, still strict and non-interactive. */
  public static GitTransport defaults() {
    return new GitTransport(Optional.empty(), Optional.empty(), Optional.empty());
  }

  public Optional<Path> sshKey() {
    return sshKey;
  }

  public Optional<Path> knownHosts() {
    return knownHosts;
  }

  public Optional<Path> credentialsFile() {
    return credentialsFile;
  }

  /**
   * Options that go before git's subcommand. With a credentials file: the inherited helper list is
   * emptied and one helper reads the file. Not {@code credential.helper=store --file=...} itself:
   * git also calls a helper to {@code store} a credential that worked and to {@code erase} one that
   * was rejected, and the store helper would then rewrite or delete the admin's token line. This
   * helper answers {@code get} only.
   */
  public List<String> gitOptions() {
    if (credentialsFile.isEmpty()) {
      return List.of();
    }
    return List.of(
        "-c", "credential.helper=", "-c", "credential.helper=" + credentialHelper(credentialsFile));
  }

  /** The helper string (git runs a {@code !} helper with {@code sh -c}, hence the quoting). */
  static String credentialHelper(Optional<Path> file) {
    return "!f() { if [ \"$1\" = get ]; then git credential-store --file="
        + ShellQuote.quote(file.orElseThrow().toString())
        + " get; fi; }; f";
  }

  /** Variables set for every git command. */
  public Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    // Never wait for a password on a terminal that nobody watches.
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_SSH_COMMAND", sshCommand());
    env.put("GIT_SSH_VARIANT", "ssh");
    return env;
  }

  /**
   * Variables removed for every git command: another ssh program, askpass programs that could
   * prompt on a desktop, and an agent whose keys would be tried instead of the deploy key.
   */
  public List<String> envToRemove() {
    return List.of("GIT_SSH", "GIT_ASKPASS", "SSH_ASKPASS", "SSH_AUTH_SOCK");
  }

  /**
   * The value of {@code GIT_SSH_COMMAND}, which git runs through {@code sh -c}.
   *
   * <p>Why GIT_SSH_COMMAND and not GIT_SSH (which git runs without a shell): GIT_SSH names a
   * program and passes it only the host and the remote command, so the options would need a wrapper
   * script on disk or an ssh_config file, one more thing to install, keep executable and keep in
   * sync. Here the only inputs are two paths that the constructor has already restricted to
   * characters ssh reads literally, and each is single-quoted for {@code sh} by {@link ShellQuote}:
   * nothing a path holds can end the quote, so nothing in it runs.
   */
  public String sshCommand() {
    List<String> words = new ArrayList<>();
    words.add("ssh");
    // Never prompt (passphrase, password, host key question): fail at once instead.
    words.addAll(List.of("-o", "BatchMode=yes"));
    // An unknown or changed host key is refused, never added.
    words.addAll(List.of("-o", "StrictHostKeyChecking=yes"));
    // The pinned file stays as the admin wrote it.
    words.addAll(List.of("-o", "UpdateHostKeys=no"));
    // Only the deploy key (or ~/.ssh's default keys), never whatever else an agent holds.
    words.addAll(List.of("-o", "IdentitiesOnly=yes"));
    sshKey.ifPresent(k -> words.addAll(List.of("-i", k.toString())));
    knownHosts.ifPresent(
        k -> {
          words.addAll(List.of("-o", "UserKnownHostsFile=" + k));
          words.addAll(List.of("-o", "GlobalKnownHostsFile=/dev/null"));
        });
    return String.join(" ", words.stream().map(ShellQuote::quote).toList());
  }

  /**
   * Refuses, before git runs, a configured file that is missing, unreadable, or (key and
   * credentials file) open to group or others. Messages name the setting, the path and the mode,
   * never the content.
   */
  public void check() {
    sshKey.ifPresent(
        k -> requireOwnerOnly(SSH_KEY, k, "a private key must be readable by its owner only"));
    knownHosts.ifPresent(k -> requireReadableFile(KNOWN_HOSTS, k));
    credentialsFile.ifPresent(
        f -> requireOwnerOnly(CREDENTIALS_FILE, f, "a file of tokens must have mode 600"));
  }

  /**
   * The tokens (and user:token pairs) of the credentials file, for the redactor: git does not print
   * them, but whatever a server echoes must not carry them into a log either.
   */
  public List<String> secrets() {
    if (credentialsFile.isEmpty() || !Files.isReadable(credentialsFile.get())) {
      return List.of();
    }
    try {
      List<String> secrets = new ArrayList<>();
      for (String line : Files.readAllLines(credentialsFile.get(), StandardCharsets.UTF_8)) {
        secrets.addAll(urlSecrets(line.strip()));
      }
      return secrets;
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * What an admin should do about a failed git command whose output is {@code gitOutput}, or empty
   * when ssh did not say why. {@code url} is only read for its host and port.
   */
  public Optional<String> explain(String gitOutput, String url) {
    if (gitOutput == null) {
      return Optional.empty();
    }
    String where = hostAndPort(url).map(h -> " of " + h[0] + " port " + h[1]).orElse("");
    String keyscan =
        hostAndPort(url)
            .map(h -> "ssh-keyscan" + ("22".equals(h[1]) ? "" : " -p " + h[1]) + " " + h[0])
            .orElse("ssh-keyscan -p PORT HOST");
    String file = knownHosts.map(Path::toString).orElse(homeKnownHosts());
    if (gitOutput.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")) {
      return Optional.of(
          "the SSH host key"
              + where
              + " differs from the one pinned in "
              + file
              + ": the operator refuses it. If the server's key was really changed (verify its"
              + " new fingerprint out of band), replace that line; otherwise someone may be in"
              + " between");
    }
    if (gitOutput.contains("Host key verification failed")) {
      return Optional.of(
          "the SSH host key"
              + where
              + " is not in "
              + file
              + ": the operator never accepts an unknown host. Add it with `"
              + keyscan
              + " >> "
              + file
              + "`, then compare `ssh-keygen -lf "
              + file
              + "` with the fingerprint your git host publishes (out of band) before relying on"
              + " it");
    }
    if (gitOutput.contains("Permission denied (publickey")) {
      return Optional.of(
          "the SSH server"
              + where
              + " refused "
              + sshKey.map(k -> "the key " + k).orElse("the default keys of " + homeSsh())
              + ": add its public half as a (read-only) deploy key of the repository");
    }
    return Optional.empty();
  }

  /** {host, port} of an ssh or scp-like URL; empty for https, file paths and others. */
  static Optional<String[]> hostAndPort(String url) {
    if (url == null) {
      return Optional.empty();
    }
    Matcher m = SSH_URL.matcher(url);
    if (m.matches()) {
      return Optional.of(new String[] {m.group(1), m.group(2) == null ? "22" : m.group(2)});
    }
    if (!url.contains("://") && !url.startsWith("/") && !url.startsWith(".")) {
      Matcher s = SCP_LIKE.matcher(url);
      if (s.matches()) {
        return Optional.of(new String[] {s.group(1), "22"});
      }
    }
    return Optional.empty();
  }

  private static String homeSsh() {
    // ssh takes ~ from the user's passwd entry, as Java's user.home does (not $HOME).
    return Path.of(System.getProperty("user.home"), ".ssh").toString();
  }

  private static String homeKnownHosts() {
    return Path.of(homeSsh(), "known_hosts").toString();
  }

  private static Path plainPath(String setting, Path path) {
    String s = path.toString();
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException(
          setting
              + ": '"
              + s
              + "' must be an absolute path (the operator's working directory"
              + " differs between a shell and the service)");
    }
    if (SSH_SPECIAL.matcher(s).find()) {
      throw new IllegalArgumentException(
          setting
              + ": '"
              + s.replaceAll("\\p{Cntrl}", "?")
              + "' holds a space, quote, backslash, '%', '$' or control character, which ssh"
              + " would read as a separator or an expansion; move the file to a plain path");
    }
    return path.normalize();
  }

  private static void requireReadableFile(String setting, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new GitException(
          setting + ": " + file + " does not exist or is not a regular file (" + hint() + ")");
    }
    if (!Files.isReadable(file)) {
      throw new GitException(
          setting
              + ": "
              + file
              + " cannot be read by the operator's user "
              + System.getProperty("user.name")
              + " (chown it to that user)");
    }
  }

  private static void requireOwnerOnly(String setting, Path file, String why) {
    requireReadableFile(setting, file);
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // Not a POSIX file system: ssh cannot check either.
    } catch (IOException e) {
      throw new GitException(setting + ": cannot read the mode of " + file + ": " + e);
    }
    int mode = mode(perms);
    if ((mode & 0077) != 0) {
      throw new GitException(
          String.format(
              "%s: %s has mode %04o, open to group or others; %s: chmod 600 %s",
              setting, file, mode, why, file));
    }
  }

  private static String hint() {
    return "docs/private-repositories.md";
  }

  static int mode(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      // The enum runs OWNER_READ .. OTHERS_EXECUTE, i.e. bit 8 down to bit 0.
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }

  @Override
  public String toString() {
    return "GitTransport[sshKey="
        + sshKey.map(Path::toString).orElse("default")
        + ", knownHosts="
        + knownHosts.map(Path::toString).orElse("default")
        + ", credentialsFile="
        + credentialsFile.map(Path::toString).orElse("none")
        + "]";
  }

  /** The userinfo of a URL (and its password part) so the runner masks them in all output. */
  static List<String> urlSecrets(String url) {
    List<String> secrets = new ArrayList<>();
    Matcher m = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://([^/@\\s]+)@").matcher(url);
    if (m.find()) {
      String userInfo = m.group(2);
      if (m.group(1).toLowerCase(Locale.ROOT).contains("ssh") && !userInfo.contains(":")) {
        // ssh://deploy@host: a login name, not a secret; masking it would mask every "deploy".
        return secrets;
      }
      secrets.add(userInfo);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        secrets.add(userInfo.substring(colon + 1));
      }
      try {
        // git may print the percent-decoded form.
        String decoded = URI.create(url).getUserInfo();
        if (decoded != null) {
          secrets.add(decoded);
        }
      } catch (IllegalArgumentException ignored) {
        // Not a URI java understands; the raw form is masked anyway.
      }
    }
    return secrets;
  }
}
