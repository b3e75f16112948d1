package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/install.sh for real (not a dry run) into a temporary prefix, with the build of the package
 * phase (target/quarkus-app, target/sylvanctl.jar): install, install again, upgrade, uninstall and
 * purge. Runs without root and systemd (SYLVAN_INSTALL_UNPRIVILEGED=1): user creation, chown and
 * systemctl are only printed, as the dry-run test checks.
 */
class InstallScriptIT {

  static final Path REPO = Path.of("").toAbsolutePath();
  static final Path SOURCE = REPO.resolve("target/quarkus-app");
  static final Path CLI_JAR = REPO.resolve("target/sylvanctl.jar");

  record Run(int exit, String output) {}

  static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SYLVAN_"));
    pb.environment().put("SYLVAN_INSTALL_UNPRIVILEGED", "1");
    pb.environment().put("SYLVAN_INSTALL_SOURCE", SOURCE.toString());
    pb.environment().put("SYLVAN_INSTALL_CLI_JAR", CLI_JAR.toString());
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  /** install.sh of checkout {@code repo} into {@code prefix}, with more arguments. */
  static Run install(Path repo, Path prefix, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("bash", "deploy/install.sh", "--prefix", prefix.toString()));
    cmd.addAll(List.of(args));
    return run(repo, cmd);
  }

  /** A git checkout with what install.sh copies (deploy/, bin/, docs/), one commit. */
  static Path checkout(Path dir) throws Exception {
    Path repo = dir.resolve("checkout");
    for (String folder : List.of("deploy", "bin", "docs")) {
      copyTree(REPO.resolve(folder), repo.resolve(folder));
    }
    git(repo, "init", "-q");
    commit(repo, "first");
    return repo;
  }

  static void commit(Path repo, String message) throws Exception {
    git(repo, "add", "-A");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message);
  }

  static String head(Path repo) throws Exception {
    return git(repo, "rev-parse", "--short=12", "HEAD").strip();
  }

  static String git(Path repo, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Run r = run(repo, cmd);
    assertThat(r.exit()).as(r.output()).isZero();
    return r.output();
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static String token(Path envFile) throws IOException {
    return Files.readAllLines(envFile).stream()
        .filter(l -> l.startsWith("SYLVAN_AUTH_TOKEN="))
        .findFirst()
        .orElseThrow()
        .substring("SYLVAN_AUTH_TOKEN=".length());
  }

  @Test
  void installsTheProgramAndSylvanctlOnThePathWithAFreshTokenAndKeepsItOnASecondRun(
      @TempDir Path prefix) throws Exception {
    Run first = install(REPO, prefix);
    assertThat(first.exit()).as(first.output()).isZero();

    Path app = prefix.resolve("opt/sylvan-operator");
    assertThat(app.resolve("quarkus-run.jar")).isRegularFile();
    assertThat(app.resolve("bin/sylvanctl.jar")).isRegularFile();
    assertThat(app.resolve("docs/installation.md")).isRegularFile();
    Path link = prefix.resolve("usr/local/bin/sylvanctl");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(app.resolve("bin/sylvanctl"));
    // The launcher finds its jar through the link on the PATH.
    Run version = run(prefix, List.of(link.toString(), "--version"));
    assertThat(version.exit()).as(version.output()).isZero();
    assertThat(version.output()).startsWith("sylvanctl ");

    Path env = prefix.resolve("etc/sylvan-operator/operator.env");
    assertThat(Files.getPosixFilePermissions(env))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String token = token(env);
    assertThat(token).matches("[0-9a-f]{64}");
    assertThat(Files.readString(env)).contains("QUARKUS_HTTP_HOST=127.0.0.1");

    Run second = install(REPO, prefix);
    assertThat(second.exit()).as(second.output()).isZero();
    assertThat(second.output()).contains(env + " exists: kept as it is");
    assertThat(token(env)).isEqualTo(token);
    assertThat(Files.readSymbolicLink(link)).isEqualTo(app.resolve("bin/sylvanctl"));
  }

  @Test
  void upgradeReplacesTheProgramKeepsDataAndConfigAndReportsOldAndNewVersion(@TempDir Path dir)
      throws Exception {
    Path repo = checkout(dir);
    Path prefix = dir.resolve("root");
    assertThat(install(repo, prefix).exit()).isZero();
    String oldCommit = head(repo);
    Path app = prefix.resolve("opt/sylvan-operator");
    assertThat(Files.readString(app.resolve("VERSION"))).contains("(git " + oldCommit + ")");

    // What an admin and the running operator left: config edits, data, a release.
    Path env = prefix.resolve("etc/sylvan-operator/operator.env");
    Files.writeString(env, Files.readString(env) + "SYLVAN_NODE_NAME=web-1\n");
    String config = Files.readString(env);
    Path data = prefix.resolve("var/lib/sylvan-operator/postgres/PG_VERSION");
    Files.createDirectories(data.getParent());
    Files.writeString(data, "15\n");
    Path release = prefix.resolve("srv/sylvan/production/current");
    Files.createDirectories(release.getParent());
    Files.writeString(release, "release\n");
    Path stale = app.resolve("lib/main/stale-dependency.jar");
    Files.writeString(stale, "an old version's jar");

    // A new version of the checkout (git pull, ./mvnw package).
    Files.writeString(
        repo.resolve("docs/installation.md"),
        "\nA newer text.\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    commit(repo, "second");
    String newCommit = head(repo);

    Run up = install(repo, prefix, "--upgrade");
    assertThat(up.exit()).as(up.output()).isZero();
    assertThat(up.output())
        .contains("check: sylvanctl ")
        .contains("(git " + oldCommit + ") -> ")
        .contains("(git " + newCommit + ")")
        .contains("systemctl restart sylvan-operator");
    assertThat(Files.readString(app.resolve("VERSION"))).contains("(git " + newCommit + ")");
    assertThat(Files.readString(app.resolve("docs/installation.md"))).endsWith("A newer text.\n");
    assertThat(stale).doesNotExist();
    assertThat(Files.readString(env)).isEqualTo(config);
    assertThat(Files.readString(data)).isEqualTo("15\n");
    assertThat(Files.readString(release)).isEqualTo("release\n");
  }

  @Test
  void upgradeStopsBeforeAnyChangeWhenTheNewVersionRejectsTheSpecs(@TempDir Path dir)
      throws Exception {
    Path repo = checkout(dir);
    Path prefix = dir.resolve("root");
    assertThat(install(repo, prefix).exit()).isZero();
    Path app = prefix.resolve("opt/sylvan-operator");
    String installed = Files.readString(app.resolve("VERSION"));
    Files.writeString(
        prefix.resolve("etc/sylvan-operator/deploy-specs/production.yaml"),
        "apiVersion: sylvan.io/v1\nkind: Environment\nmetadata:\n  name: production\nspec: 42\n");
    Files.writeString(repo.resolve("docs/extra.md"), "new\n");
    commit(repo, "second");

    Run up = install(repo, prefix, "--upgrade");
    assertThat(up.exit()).as(up.output()).isEqualTo(1);
    assertThat(up.output())
        .contains("does not accept the specs in")
        .contains("production.yaml:")
        .contains("upgrade stopped before any change");
    assertThat(Files.readString(app.resolve("VERSION"))).isEqualTo(installed);
    assertThat(app.resolve("docs/extra.md")).doesNotExist();
  }

  @Test
  void upgradeWithoutAnInstallIsRefused(@TempDir Path prefix) throws Exception {
    Run up = install(REPO, prefix, "--upgrade");
    assertThat(up.exit()).as(up.output()).isEqualTo(1);
    assertThat(up.output()).contains("nothing to upgrade");
    assertThat(prefix.resolve("opt")).doesNotExist();
  }

  @Test
  void uninstallRemovesTheProgramTheUnitAndTheLinkAndSaysWhatStays(@TempDir Path prefix)
      throws Exception {
    assertThat(install(REPO, prefix).exit()).isZero();
    Path env = prefix.resolve("etc/sylvan-operator/operator.env");
    String config = Files.readString(env);
    Path data = prefix.resolve("var/lib/sylvan-operator/mirrors/app.git/HEAD");
    Files.createDirectories(data.getParent());
    Files.writeString(data, "ref: refs/heads/main\n");

    Run un = install(REPO, prefix, "--uninstall");
    assertThat(un.exit()).as(un.output()).isZero();
    assertThat(prefix.resolve("opt/sylvan-operator")).doesNotExist();
    assertThat(prefix.resolve("usr/local/bin/sylvanctl")).doesNotExist();
    assertThat(prefix.resolve("etc/systemd/system/sylvan-operator.service")).doesNotExist();
    assertThat(un.output())
        .contains("systemctl disable --now sylvan-operator")
        .contains("Kept:")
        .contains(prefix.resolve("etc/sylvan-operator") + "   operator.env")
        .contains(prefix.resolve("var/lib/sylvan-operator") + "   the database")
        .contains(prefix.resolve("srv/sylvan") + "   the environments' releases")
        .contains("--uninstall --purge");
    assertThat(Files.readString(env)).isEqualTo(config);
    assertThat(data).exists();

    Run again = install(REPO, prefix, "--uninstall");
    assertThat(again.exit()).as(again.output()).isZero();
    assertThat(again.output()).contains("does not exist: nothing to remove");
  }

  @Test
  void uninstallKeepsASylvanctlOnThePathThatIsNotItsLink(@TempDir Path prefix) throws Exception {
    assertThat(install(REPO, prefix).exit()).isZero();
    Path link = prefix.resolve("usr/local/bin/sylvanctl");
    Files.delete(link);
    Files.writeString(link, "#!/bin/sh\necho someone else's\n");

    Run un = install(REPO, prefix, "--uninstall");
    assertThat(un.exit()).as(un.output()).isZero();
    assertThat(un.output()).contains(link + " is not a link to");
    assertThat(link).isRegularFile();
  }

  @Test
  void uninstallWithPurgeRemovesDataAndConfigToo(@TempDir Path prefix) throws Exception {
    assertThat(install(REPO, prefix).exit()).isZero();
    Files.writeString(prefix.resolve("var/lib/sylvan-operator/data.txt"), "x");

    Run purge = install(REPO, prefix, "--uninstall", "--purge");
    assertThat(purge.exit()).as(purge.output()).isZero();
    for (String gone :
        List.of(
            "opt/sylvan-operator",
            "usr/local/bin/sylvanctl",
            "etc/sylvan-operator",
            "var/lib/sylvan-operator",
            "srv/sylvan",
            "etc/systemd/system/sylvan-operator.service")) {
      assertThat(prefix.resolve(gone)).as(gone).doesNotExist();
    }
    assertThat(purge.output()).contains("Removed the program, the config, the data");
  }

  @Test
  void purgeWithoutUninstallIsAUsageError(@TempDir Path prefix) throws Exception {
    Run r = install(REPO, prefix, "--purge");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output()).contains("--purge only goes with --uninstall");
    assertThat(prefix.resolve("opt")).doesNotExist();
  }
}
