package io.sylvan.operator.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The git operations of a deployment: a bare mirror per repository, fetched on every reconcile, and
 * one independent checkout per release. Every call runs {@code git} non-interactively ({@code
 * GIT_TERMINAL_PROMPT=0}, ssh in batch mode, stdin at end-of-file) and every error message has URL
 * credentials replaced by {@code ***}. Private repositories are reached through the {@link
 * GitTransport}: deploy key, pinned known_hosts, credentials file.
 */
public class Git {

  /** Local operations (cat-file, rev-parse, checkout of a hard-linked clone) take milliseconds. */
  static final Duration LOCAL_TIMEOUT = Duration.ofSeconds(60);

  /** The lockfile lookup of the validate step has always allowed this long. */
  static final Duration NAMES_TIMEOUT = Duration.ofSeconds(30);

  public static final String REVISION_FILE = "REVISION";

  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-fA-F]{4,64}");
  private static final Pattern FULL_SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  private final CommandRunner runner;
  private final GitCommands commands;
  private final GitTransport transport;

  public Git(CommandRunner runner) {
    this(runner, "git");
  }

  public Git(CommandRunner runner, String gitCommand) {
    this(runner, gitCommand, GitTransport.defaults());
  }

  public Git(CommandRunner runner, String gitCommand, GitTransport transport) {
    this.runner = runner;
    this.transport = transport;
    this.commands = new GitCommands(gitCommand, transport.gitOptions());
  }

  /**
   * Creates a bare mirror of {@code repositoryUrlOrPath} in {@code mirrorDir} on first use, and
   * fetches (pruning deleted refs) on later calls. Callers serialise calls per mirror.
   */
  public void ensureMirror(String repositoryUrlOrPath, Path mirrorDir, Duration timeout) {
    transport.check();
    List<String> secrets = new ArrayList<>(GitTransport.urlSecrets(repositoryUrlOrPath));
    secrets.addAll(transport.secrets());
    try {
      fetchMirror(repositoryUrlOrPath, mirrorDir, timeout, secrets);
    } catch (GitException e) {
      Optional<String> hint = transport.explain(e.getMessage(), repositoryUrlOrPath);
      if (hint.isEmpty()) {
        throw e;
      }
      throw new GitException(hint.get() + ". git said: " + e.getMessage(), e);
    }
  }

  private void fetchMirror(
      String repositoryUrlOrPath, Path mirrorDir, Duration timeout, List<String> secrets) {
    if (isGitDir(mirrorDir)) {
      // The spec may have changed the repository URL (or its token) since the mirror was made.
      run(timeout, secrets, commands.setMirrorOrigin(mirrorDir, repositoryUrlOrPath));
      run(timeout, secrets, commands.updateMirror(mirrorDir));
      return;
    }
    if (Files.exists(mirrorDir) && !isEmptyDirectory(mirrorDir)) {
      throw new GitException(mirrorDir + " exists and is not a git mirror");
    }
    createAtomically(
        mirrorDir,
        "mirror",
        partial -> {
          run(timeout, secrets, commands.cloneMirror(repositoryUrlOrPath, partial));
          Files.deleteIfExists(mirrorDir);
        });
  }

  /** Whether {@code sha} names a commit in the repository {@code mirrorDir}. */
  public boolean commitExists(Path mirrorDir, String sha) {
    requireObjectId(sha);
    requireGitDir(mirrorDir);
    CommandResult result =
        runner.run(
            command(commands.commitExists(mirrorDir, sha), LOCAL_TIMEOUT, List.of()).build());
    if (result.timedOut()) {
      throw new GitException(result.describe());
    }
    return result.ok();
  }

  /**
   * Creates {@code releaseDir} holding a working tree of exactly {@code sha} (detached HEAD) and a
   * {@code REVISION} file with the full sha, Capistrano style.
   *
   * <p>Why a plain local clone of the mirror: git hard-links the object files (immutable, so safe
   * to share) and copies everything mutable, so the release has its own refs, index and config and
   * survives anything that later happens to the mirror (fetch --prune, gc). {@code clone --shared}
   * would point at the mirror's object store through alternates, and a gc there could delete
   * objects the release needs; {@code git archive | tar} needs a pipe, drops {@code export-ignore}
   * files and leaves no {@code .git} for build tools that ask git for the commit; {@code worktree
   * add} writes into the mirror.
   */
  public void checkout(Path mirrorDir, String sha, Path releaseDir, Duration timeout) {
    requireObjectId(sha);
    requireGitDir(mirrorDir);
    if (Files.exists(releaseDir)) {
      throw new GitException("release directory " + releaseDir + " already exists");
    }
    String fullSha = resolve(mirrorDir, sha);
    createAtomically(
        releaseDir,
        "release",
        partial -> {
          run(timeout, List.of(), commands.cloneWithoutCheckout(mirrorDir, partial));
          run(timeout, List.of(), commands.checkoutDetached(partial, fullSha));
          String head = resolve(partial, "HEAD");
          if (!head.equals(fullSha)) {
            throw new GitException(
                "checkout of " + fullSha + " in " + releaseDir + " gave " + head);
          }
          Files.writeString(partial.resolve(REVISION_FILE), fullSha + "\n", StandardCharsets.UTF_8);
        });
  }

  private interface DirectoryFiller {
    void fill(Path partial) throws IOException;
  }

  /**
   * Fills a temporary sibling of {@code target} and renames it into place only when complete, so an
   * interrupted clone or checkout never leaves something that looks finished.
   */
  private static void createAtomically(Path target, String what, DirectoryFiller filler) {
    Path abs = target.toAbsolutePath();
    Path partial = abs.resolveSibling(abs.getFileName() + ".partial-" + UUID.randomUUID());
    try {
      Files.createDirectories(abs.getParent());
      filler.fill(partial);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new GitException("cannot create " + what + " " + target + ": " + e.getMessage(), e);
    } finally {
      deleteRecursively(partial);
    }
  }

  /** The full sha of commit {@code rev} (sha prefix, branch, tag, HEAD) in {@code repoDir}. */
  public String resolve(Path repoDir, String rev) {
    if (rev == null || rev.isBlank() || rev.startsWith("-")) {
      throw new IllegalArgumentException("not a revision: " + rev);
    }
    Path abs = repoDir.toAbsolutePath();
    Command.Builder command = command(commands.resolveCommit(abs, rev), LOCAL_TIMEOUT, List.of());
    if (abs.getParent() != null) {
      // A directory that is not a repository must fail, not resolve in an enclosing repository.
      command.env("GIT_CEILING_DIRECTORIES", abs.getParent().toString());
    }
    String sha = run(command).output().strip();
    if (!FULL_SHA.matcher(sha).matches()) {
      throw new GitException("cannot resolve " + rev + " in " + repoDir + ": " + sha);
    }
    return sha;
  }

  /** The installed git's version, e.g. {@code 2.39.5}. */
  public String version() {
    String out = run(LOCAL_TIMEOUT, List.of(), commands.version()).output().strip();
    return out.startsWith("git version ") ? out.substring("git version ".length()) : out;
  }

  /**
   * The names at the top of {@code commit}'s tree in the repository {@code gitDir} (to see which
   * lockfile a commit has before any checkout), or empty when git cannot list them.
   */
  public Optional<List<String>> topLevelNames(Path gitDir, String commit) {
    CommandResult r =
        runner.run(
            command(commands.topLevelNames(gitDir, commit), NAMES_TIMEOUT, List.of()).build());
    if (!r.ok()) {
      return Optional.empty();
    }
    return Optional.of(r.output().lines().map(String::strip).toList());
  }

  /**
   * The commits between {@code from} (exclusive) and {@code to}, newest first, each as sha and
   * subject (at most {@code max}); empty when git cannot tell (a commit not in the mirror).
   */
  public Optional<List<String[]>> commitSubjects(Path gitDir, String from, String to, int max) {
    requireObjectId(from);
    requireObjectId(to);
    CommandResult r =
        runner.run(
            command(commands.commitSubjects(gitDir, from, to, max), NAMES_TIMEOUT, List.of())
                .build());
    if (!r.ok()) {
      return Optional.empty();
    }
    return Optional.of(
        r.output().lines().filter(l -> !l.isBlank()).map(l -> l.split("\t", 2)).toList());
  }

  /** The paths changed between {@code from} and {@code to}; empty when git cannot tell. */
  public Optional<List<String>> changedPaths(Path gitDir, String from, String to) {
    requireObjectId(from);
    requireObjectId(to);
    CommandResult r =
        runner.run(
            command(commands.changedPaths(gitDir, from, to), NAMES_TIMEOUT, List.of()).build());
    if (!r.ok()) {
      return Optional.empty();
    }
    return Optional.of(r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
  }

  /**
   * Replaces {@code user:token@} in every URL of {@code text} with {@code ***@} ({@link Redactor}).
   */
  public static String redactUrls(String text) {
    return Redactor.patterns(text);
  }

  private CommandResult run(Duration timeout, List<String> secrets, List<String> argv) {
    return run(command(argv, timeout, secrets));
  }

  private CommandResult run(Command.Builder command) {
    CommandResult result = runner.run(command.build());
    if (!result.ok()) {
      throw new GitException(result.describe());
    }
    return result;
  }

  private Command.Builder command(List<String> argv, Duration timeout, List<String> secrets) {
    return Command.builder(argv)
        .timeout(timeout)
        .secrets(secrets)
        // No prompt, strict and batch-mode ssh with the deploy key (GitTransport#env).
        .env(transport.env())
        .removeEnv(transport.envToRemove().toArray(String[]::new))
        // Inherited from a git hook or shell, these would silently redirect every command.
        .removeEnv("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY");
  }

  private static void requireObjectId(String sha) {
    if (sha == null || !OBJECT_ID.matcher(sha).matches()) {
      throw new IllegalArgumentException("not a commit sha: " + sha);
    }
  }

  private static void requireGitDir(Path dir) {
    if (!isGitDir(dir)) {
      throw new GitException(dir + " is not a git repository");
    }
  }

  private static boolean isGitDir(Path dir) {
    return Files.isRegularFile(dir.resolve("HEAD")) && Files.isDirectory(dir.resolve("objects"));
  }

  private static boolean isEmptyDirectory(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  static void deleteRecursively(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (NoSuchFileException ignored) {
      // Already gone.
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
