package io.sylvan.operator.spec;

import io.sylvan.operator.runtime.GitCommands;
import io.sylvan.operator.runtime.GitException;
import io.sylvan.operator.runtime.GitTransport;
import io.sylvan.operator.runtime.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Specs in a folder of a git repository ({@code sylvan.specs.git-url}): the desired state is
 * whatever that folder holds at the tip of the branch.
 *
 * <p>The first load clones the repository into {@code checkoutDir} (a folder under the operator's
 * data dir that nothing else writes to); every load fetches the branch and hard-resets the checkout
 * to it, so local edits or a rewritten branch history never stick. The snapshot's revision is the
 * checked-out commit sha.
 *
 * <p>git runs as an argument array (never through a shell) with a timeout per command, without
 * terminal prompts, and its error output is passed on with credentials in URLs redacted. A private
 * spec repository is reached as the app repositories are, through the {@link GitTransport} (deploy
 * key, pinned known_hosts, credentials file). A symbolic link committed in the spec folder is
 * reported as an invalid spec and never followed.
 */
public final class GitSpecSource implements SpecSource {

  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._/-]*");

  private final String url;
  private final String branch;
  private final String subPath;
  private final Path checkoutDir;
  private final Duration timeout;
  private final SpecParser parser;
  private final GitTransport transport;
  private final GitCommands git;

  /**
   * @param url repository URL or local path; may contain credentials, which are never shown
   * @param branch the branch whose tip is the desired state
   * @param subPath the folder inside the repository that holds the specs ({@code ""} or {@code .}
   *     for the top level)
   * @param checkoutDir where the clone lives; created on first use
   * @param timeout limit for each git command
   */
  public GitSpecSource(
      String url, String branch, String subPath, Path checkoutDir, Duration timeout) {
    this(url, branch, subPath, checkoutDir, timeout, new SpecParser());
  }

  /** As above, with the parser to read the specs with (it knows the ports the operator holds). */
  public GitSpecSource(
      String url,
      String branch,
      String subPath,
      Path checkoutDir,
      Duration timeout,
      SpecParser parser) {
    this(url, branch, subPath, checkoutDir, timeout, parser, GitTransport.defaults());
  }

  /** As above, reaching the repository through {@code transport}. */
  public GitSpecSource(
      String url,
      String branch,
      String subPath,
      Path checkoutDir,
      Duration timeout,
      SpecParser parser,
      GitTransport transport) {
    if (url.isBlank() || url.startsWith("-")) {
      throw new IllegalArgumentException("invalid spec repository URL: " + Redactor.patterns(url));
    }
    if (!BRANCH.matcher(branch).matches() || branch.contains("..")) {
      throw new IllegalArgumentException("invalid spec branch name: " + branch);
    }
    this.url = url;
    this.branch = branch;
    this.subPath = subPath;
    this.checkoutDir = checkoutDir.toAbsolutePath().normalize();
    this.timeout = timeout;
    this.parser = parser;
    this.transport = transport;
    this.git = new GitCommands("git", transport.gitOptions());
  }

  @Override
  public synchronized SpecSnapshot load() throws SpecSourceException {
    String remoteRef = "refs/remotes/origin/" + branch;
    try {
      transport.check();
    } catch (GitException e) {
      throw new SpecSourceException(e.getMessage() + " (" + describe() + ")", e);
    }
    if (Files.isDirectory(checkoutDir.resolve(".git"))) {
      // The URL may have changed in the configuration since the clone.
      git(checkoutDir, git.setOrigin(url));
      git(checkoutDir, git.fetchBranchShallow(branch, remoteRef));
    } else {
      cloneInto();
    }
    git(checkoutDir, git.resetHard(remoteRef));
    git(checkoutDir, git.removeUntracked());
    String commit = git(checkoutDir, git.head()).trim();

    Path folder = checkoutDir.resolve(subPath).normalize();
    if (!folder.startsWith(checkoutDir)) {
      throw new SpecSourceException("spec path '" + subPath + "' leaves the repository");
    }
    if (!Files.isDirectory(folder)) {
      throw new SpecSourceException(
          "spec folder '"
              + subPath
              + "' does not exist in "
              + Redactor.patterns(url)
              + " at branch "
              + branch
              + " (commit "
              + commit
              + ")");
    }
    try {
      // A folder committed as a symbolic link could point anywhere on the VM.
      if (!folder.toRealPath().startsWith(checkoutDir.toRealPath())) {
        throw new SpecSourceException(
            "spec folder '" + subPath + "' is a symbolic link that leaves the repository");
      }
    } catch (IOException e) {
      throw new SpecSourceException("cannot resolve spec folder '" + subPath + "': " + e, e);
    }
    return SpecFolder.parse(parser, commit, SpecFolder.read(folder));
  }

  @Override
  public String describe() {
    return "git " + Redactor.patterns(url) + " branch " + branch + " path " + subPath;
  }

  private void cloneInto() throws SpecSourceException {
    try {
      if (Files.exists(checkoutDir)) {
        try (var entries = Files.list(checkoutDir)) {
          if (entries.findAny().isPresent()) {
            // Never delete a folder we did not create: it may be a misconfigured data dir.
            throw new SpecSourceException(
                "cannot clone the specs into "
                    + checkoutDir
                    + ": the folder exists, is not empty and is not a git checkout");
          }
        }
      }
      Files.createDirectories(checkoutDir.getParent());
    } catch (IOException e) {
      throw new SpecSourceException("cannot prepare " + checkoutDir + ": " + e, e);
    }
    git(checkoutDir.getParent(), git.cloneBranchShallow(url, branch, checkoutDir));
  }

  /** Runs one git command and returns its standard output. */
  private String git(Path workDir, List<String> command) throws SpecSourceException {
    Redactor redactor = Redactor.of(transport.secrets());
    String shown = redactor.redact(String.join(" ", command));
    Path out = null;
    Path err = null;
    Process process = null;
    try {
      out = Files.createTempFile("sylvan-git", ".out");
      err = Files.createTempFile("sylvan-git", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      Map<String, String> env = builder.environment();
      env.put("LC_ALL", "C");
      // No prompt; ssh in batch mode, strict about host keys, with the deploy key.
      transport.envToRemove().forEach(env::remove);
      env.putAll(transport.env());
      process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new SpecSourceException(
            "`" + shown + "` timed out after " + timeout.toSeconds() + "s (" + describe() + ")");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
        Optional<String> hint = transport.explain(stderr, url);
        throw new SpecSourceException(
            hint.map(h -> h + ". git said: ").orElse("")
                + "`"
                + shown
                + "` failed with exit code "
                + process.exitValue()
                + " ("
                + describe()
                + "): "
                + redactor.redact(stderr.isEmpty() ? "no error output" : stderr));
      }
      return stdout;
    } catch (IOException e) {
      throw new SpecSourceException(
          "cannot run `" + shown + "`: " + redactor.redact(e.toString()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SpecSourceException("interrupted while running `" + shown + "`", e);
    } finally {
      if (process != null && process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // A leftover temp file is harmless; the git result matters more.
      }
    }
  }
}
