package io.sylvan.operator.spec;

import static io.sylvan.operator.spec.SpecFixtures.COMMIT_B;
import static io.sylvan.operator.spec.SpecFixtures.apart;
import static io.sylvan.operator.spec.SpecFixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectorySpecSourceTest {

  @TempDir Path dir;

  @Test
  void revisionChangesWhenAFileChangesAndOnlyThen() throws Exception {
    Files.writeString(dir.resolve("production.yaml"), minimal("production"));
    LocalDirectorySpecSource source = new LocalDirectorySpecSource(dir);

    SpecSnapshot first = source.load();
    SpecSnapshot unchanged = source.load();
    Files.writeString(dir.resolve("production.yaml"), minimal("production", COMMIT_B));
    SpecSnapshot changed = source.load();

    assertThat(first.revision()).matches("dir:[0-9a-f]{12}");
    assertThat(unchanged.revision()).isEqualTo(first.revision());
    assertThat(changed.revision()).isNotEqualTo(first.revision());
    assertThat(changed.valid().get("production").spec().source().commit()).isEqualTo(COMMIT_B);
  }

  @Test
  void revisionChangesWhenAFileIsRenamed() throws Exception {
    Files.writeString(dir.resolve("test.yaml"), minimal("test"));
    LocalDirectorySpecSource source = new LocalDirectorySpecSource(dir);
    String before = source.load().revision();

    Files.move(dir.resolve("test.yaml"), dir.resolve("test.yml"));

    assertThat(source.load().revision()).isNotEqualTo(before);
  }

  @Test
  void readsOnlyYamlFilesDirectlyInTheFolderAndKeepsValidOnesNextToBrokenOnes() throws Exception {
    Files.writeString(dir.resolve("production.yaml"), minimal("production"));
    Files.writeString(dir.resolve("test.yml"), apart("test", 3001));
    Files.writeString(dir.resolve("staging.yaml"), "spec: [");
    Files.writeString(dir.resolve("README.md"), "not a spec");
    Files.createDirectories(dir.resolve("archive"));
    Files.writeString(dir.resolve("archive/old.yaml"), "garbage: [");

    SpecSnapshot snapshot = new LocalDirectorySpecSource(dir).load();

    assertThat(snapshot.valid()).containsOnlyKeys("production", "test");
    assertThat(snapshot.invalid())
        .singleElement()
        .satisfies(
            invalid -> {
              assertThat(invalid.environment()).isEqualTo("staging");
              assertThat(invalid.file()).isEqualTo("staging.yaml");
              assertThat(invalid.errors()).isNotEmpty();
            });
  }

  @Test
  void rejectsAnOversizedFileWithoutReadingItWhole() throws Exception {
    Files.writeString(dir.resolve("huge.yaml"), "#".repeat(4 * SpecDefaults.MAX_FILE_BYTES));

    SpecSnapshot snapshot = new LocalDirectorySpecSource(dir).load();

    assertThat(snapshot.invalid().get(0).errors())
        .singleElement()
        .hasToString("huge.yaml:1:1: (file): the file is larger than 256 KiB");
  }

  @Test
  void rejectsASymlinkedSpecFileOrAFifoWithoutReadingIt(@TempDir Path outside) throws Exception {
    Path canary = outside.resolve(".env");
    Files.writeString(canary, "CANARY_SECRET=local-canary-4711\n");
    Files.writeString(dir.resolve("production.yaml"), minimal("production"));
    Files.createSymbolicLink(dir.resolve("leak.yaml"), canary);
    Files.createSymbolicLink(dir.resolve("dangling.yml"), outside.resolve("missing"));
    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe.yaml").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();

    // Opening the FIFO would block until someone writes to it: the load must not.
    SpecSnapshot snapshot =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> new LocalDirectorySpecSource(dir).load());

    assertThat(snapshot.valid()).containsOnlyKeys("production");
    assertThat(snapshot.invalid())
        .extracting(i -> i.errors().get(0).toString())
        .containsExactly(
            "dangling.yml:1:1: (file): dangling.yml is a symbolic link; spec files must be regular"
                + " files",
            "leak.yaml:1:1: (file): leak.yaml is a symbolic link; spec files must be regular files",
            "pipe.yaml:1:1: (file): pipe.yaml is not a regular file (a FIFO, device or folder);"
                + " spec files must be regular files");
    assertThat(snapshot.toString()).doesNotContain("local-canary-4711");
  }

  @Test
  void failsWhenTheFolderDoesNotExist() {
    LocalDirectorySpecSource source = new LocalDirectorySpecSource(dir.resolve("missing"));

    assertThatThrownBy(source::load)
        .isInstanceOf(SpecSourceException.class)
        .hasMessageContaining("missing")
        .hasMessageContaining("does not exist");
    assertThat(source.describe()).isEqualTo("directory " + dir.resolve("missing"));
  }
}
