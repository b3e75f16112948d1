package io.sylvan.operator.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every git command line the operator runs, as pure functions returning the argv (Kamal's {@code
 * lib/kamal/commands}): nothing here runs a process, so each line is tested as a list of strings.
 * {@link Git} and the spec source run them.
 */
public final class GitCommands {

  private final String git;
  private final List<String> options;

  /** Command lines for the git executable {@code git} (a name on the PATH or a path). */
  public GitCommands(String git) {
    this(git, List.of());
  }

  /**
   * Command lines that all start with {@code git options...}: the {@code -c name=value} settings of
   * {@link GitTransport#gitOptions()}, which must come before the subcommand.
   */
  public GitCommands(String git, List<String> options) {
    this.git = git;
    this.options = List.copyOf(options);
  }

  /** Command lines for {@code git} on the PATH. */
  public static GitCommands onPath() {
    return new GitCommands("git");
  }

  /** {@code git --version}. */
  public List<String> version() {
    return argv("--version");
  }

  /** A bare mirror of {@code url} in {@code dir}; {@code --} keeps a URL from reading as option. */
  public List<String> cloneMirror(String url, Path dir) {
    return argv("clone", "--mirror", "--", url, dir.toString());
  }

  /** Points the mirror's origin at {@code url} (the spec may have changed it or its token). */
  public List<String> setMirrorOrigin(Path gitDir, String url) {
    return argv(gitDir(gitDir), "remote", "set-url", "origin", url);
  }

  /** Fetches every ref of the mirror's origin, pruning deleted ones. */
  public List<String> updateMirror(Path gitDir) {
    return argv(gitDir(gitDir), "remote", "update", "--prune");
  }

  /** Exits 0 only when {@code sha} names a commit in {@code gitDir}. */
  public List<String> commitExists(Path gitDir, String sha) {
    return argv(gitDir(gitDir), "cat-file", "-e", sha + "^{commit}");
  }

  /** The file and folder names at the top of {@code commit}'s tree, one a line. */
  public List<String> topLevelNames(Path gitDir, String commit) {
    return argv("--git-dir", gitDir.toString(), "ls-tree", "--name-only", commit);
  }

  /**
   * The commits reachable from {@code to} but not {@code from}, newest first: sha, tab, subject.
   */
  public List<String> commitSubjects(Path gitDir, String from, String to, int max) {
    return argv(
        "--git-dir",
        gitDir.toString(),
        "log",
        "--max-count=" + max,
        "--format=%H%x09%s",
        from + ".." + to,
        "--");
  }

  /** The paths that differ between the trees of {@code from} and {@code to}, one a line. */
  public List<String> changedPaths(Path gitDir, String from, String to) {
    return argv("--git-dir", gitDir.toString(), "diff", "--name-only", from, to, "--");
  }

  /** A local clone of {@code source} without a working tree yet (objects are hard-linked). */
  public List<String> cloneWithoutCheckout(Path source, Path dir) {
    return argv(
        "clone",
        "--quiet",
        "--no-checkout",
        "--",
        source.toAbsolutePath().toString(),
        dir.toString());
  }

  /** Checks out {@code sha} in {@code workTree} as a detached HEAD. */
  public List<String> checkoutDetached(Path workTree, String sha) {
    return argv("-C", workTree.toString(), "checkout", "--quiet", "--detach", sha);
  }

  /** Prints the full sha of commit {@code rev} in {@code repoDir}, or fails quietly. */
  public List<String> resolveCommit(Path repoDir, String rev) {
    return argv(
        "-C",
        repoDir.toAbsolutePath().toString(),
        "rev-parse",
        "--verify",
        "--quiet",
        rev + "^{commit}");
  }

  /** A shallow clone of one branch of {@code url} into {@code dir}, without tags. */
  public List<String> cloneBranchShallow(String url, String branch, Path dir) {
    return argv(
        "clone",
        "--quiet",
        "--no-tags",
        "--single-branch",
        "--depth=1",
        "--branch",
        branch,
        "--",
        url,
        dir.toString());
  }

  /** In a working tree: points origin at {@code url}. */
  public List<String> setOrigin(String url) {
    return argv("remote", "set-url", "origin", url);
  }

  /** In a working tree: fetches the tip of {@code branch} shallowly into {@code ref}. */
  public List<String> fetchBranchShallow(String branch, String ref) {
    return argv(
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "origin",
        "+refs/heads/" + branch + ":" + ref);
  }

  /** In a working tree: makes index and files exactly {@code ref}. */
  public List<String> resetHard(String ref) {
    return argv("reset", "--quiet", "--hard", ref);
  }

  /** In a working tree: removes every untracked and ignored file. */
  public List<String> removeUntracked() {
    return argv("clean", "--quiet", "-ffdx");
  }

  /** In a working tree: prints the sha of HEAD. */
  public List<String> head() {
    return argv("rev-parse", "HEAD");
  }

  private static String gitDir(Path dir) {
    return "--git-dir=" + dir;
  }

  private List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(args.length + options.size() + 1);
    argv.add(git);
    argv.addAll(options);
    argv.addAll(List.of(args));
    return List.copyOf(argv);
  }
}
