package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DeploymentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention of backups and releases: by count and age, never the current or last good one. */
class RetentionTest {

  @TempDir Path root;

  @Test
  void keepsTheNewestBackupsAndDropsThoseOlderThanSevenDays() throws IOException {
    backup("backup_20261120_100000", "c1", Duration.ofDays(8));
    backup("backup_20261125_100000", "c2", Duration.ofDays(1));
    backup("backup_20261126_100000", "c3", Duration.ZERO);

    List<Path> deleted = new Backups(root).prune(5, List.of());

    assertThat(names(deleted)).containsExactly("backup_20261120_100000");
    assertThat(names(new Backups(root).list()))
        .containsExactly("backup_20261126_100000", "backup_20261125_100000");
  }

  @Test
  void neverDeletesTheBackupOfTheCurrentOrLastGoodCommit() throws IOException {
    backup("backup_20261101_100000", "lastgood", Duration.ofDays(25));
    backup("backup_20261102_100000", "old", Duration.ofDays(24));
    backup("backup_20261124_100000", "current", Duration.ofDays(2));
    backup("backup_20261125_100000", "c4", Duration.ofDays(1));
    backup("backup_20261126_100000", "c5", Duration.ZERO);

    new Backups(root).prune(1, List.of("current", "lastgood"));

    assertThat(names(new Backups(root).list()))
        .containsExactly(
            "backup_20261126_100000", "backup_20261124_100000", "backup_20261101_100000");
  }

  @Test
  void prunesReleasesBeyondTheCountButNeverProtectedOnes() throws IOException {
    Path oldest = release("20261101000000_aaaaaaaaaaaa", "a");
    release("20261102000000_bbbbbbbbbbbb", "b");
    release("20261103000000_cccccccccccc", "c");
    Path newest = release("20261104000000_dddddddddddd", "d");
    Releases releases = new Releases(root);
    releases.switchTo(oldest);

    List<Path> deleted = releases.prune(2, List.of(oldest));

    assertThat(names(deleted)).containsExactly("20261102000000_bbbbbbbbbbbb");
    assertThat(releases.list()).contains(oldest, newest).hasSize(3);
    assertThat(releases.current()).contains(oldest);
  }

  @Test
  void keepsAsManyReleasesAsReleasesKeepSaysWhateverBackupKeepSays() throws IOException {
    // backup.keep is 3 in TestSpecs: the releases must follow releases.keep (4) instead.
    String commit = "f".repeat(40);
    var spec =
        TestSpecs.parse(
            "retention",
            TestSpecs.yaml("retention", "app", root, commit, root, 3000, "")
                + "  releases:\n    keep: 4\n");
    assertThat(spec.spec().backup().keep()).isEqualTo(3);
    Path current = release("20261101000000_aaaaaaaaaaaa", "a".repeat(40));
    Path lastGood = release("20261102000000_bbbbbbbbbbbb", "b".repeat(40));
    release("20261103000000_cccccccccccc", "c".repeat(40));
    release("20261104000000_dddddddddddd", "d".repeat(40));
    release("20261105000000_eeeeeeeeeeee", "e".repeat(40));
    release("20261106000000_111111111111", "1".repeat(40));
    Path deploying = release("20261107000000_ffffffffffff", commit);
    new Releases(root).switchTo(current);
    DeploymentContext ctx =
        new DeploymentContext(
            spec,
            commit,
            DeploymentType.UPDATE,
            DeployOptions.NONE,
            new Toolbox(null, null, null, null, root, null, null, Redactor.PATTERNS_ONLY, null),
            new DeploymentLog(root.resolve("logs/deploy.log"), "retention"),
            1,
            deploying,
            Optional.of(current));

    Retention.prune(ctx, "b".repeat(40));

    assertThat(names(new Releases(root).list()))
        .containsExactly(
            "20261107000000_ffffffffffff",
            "20261106000000_111111111111",
            "20261105000000_eeeeeeeeeeee",
            "20261104000000_dddddddddddd",
            "20261102000000_bbbbbbbbbbbb",
            "20261101000000_aaaaaaaaaaaa");
    assertThat(lastGood).exists();
  }

  @Test
  void switchesCurrentAtomicallyToAnotherRelease() throws IOException {
    Path a = release("20261101000000_aaaaaaaaaaaa", "a");
    Path b = release("20261102000000_bbbbbbbbbbbb", "b");
    Releases releases = new Releases(root);
    releases.switchTo(a);
    releases.switchTo(b);
    assertThat(releases.current()).contains(b);
    assertThat(Files.readSymbolicLink(root.resolve("current")).isAbsolute()).isFalse();
    assertThat(releases.forCommit("b")).contains(b);
  }

  private void backup(String name, String commit, Duration age) throws IOException {
    Path b = root.resolve("backups").resolve(name);
    Files.createDirectories(b);
    Files.writeString(b.resolve(Backups.METADATA), "{\"gitCommit\":\"" + commit + "\"}");
    Files.setLastModifiedTime(b, FileTime.from(Instant.now().minus(age)));
  }

  private Path release(String name, String commit) throws IOException {
    Path r = root.resolve("releases").resolve(name);
    Files.createDirectories(r);
    Files.writeString(r.resolve(Releases.REVISION_FILE), commit + "\n");
    Files.writeString(r.resolve(Releases.BUILT_MARKER), commit + "\n");
    return r;
  }

  private static List<String> names(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).toList();
  }
}
