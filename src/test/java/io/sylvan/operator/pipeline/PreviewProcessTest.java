package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.IdlePriority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The preview process on its own, with real processes: a shell that starts a child (as npm or a
 * launcher may) stands in for the app, since only the process group matters here.
 */
class PreviewProcessTest {

  Path root;
  Path release;

  @BeforeEach
  void dirs() throws Exception {
    root = Files.createTempDirectory("sylvan-preview-");
    release = Files.createDirectories(root.resolve("releases/20260101000000_abc"));
  }

  @AfterEach
  void clean() throws Exception {
    io.sylvan.operator.runtime.FileTrees.delete(root);
  }

  PreviewProcess startWithAChild() throws Exception {
    // The child sleeps in the background; the shell waits for it.
    List<String> argv =
        IdlePriority.wrap(List.of("sh", "-c", "sleep 300 & wait"), IdlePriority.probe());
    return PreviewProcess.start(argv, release.toRealPath(), Map.of(), root, line -> {});
  }

  @Test
  void closingKillsTheWholeProcessGroupAndRemovesThePidFile() throws Exception {
    PreviewProcess p = startWithAChild();
    awaitChild(p.pid());
    List<ProcessHandle> group = descendantsAndSelf(p.pid());
    assertThat(group).hasSizeGreaterThanOrEqualTo(2);
    assertThat(PreviewProcess.pidFile(root)).exists();

    p.close();

    for (ProcessHandle h : group) {
      h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(h.isAlive()).as("pid " + h.pid()).isFalse();
    }
    assertThat(PreviewProcess.pidFile(root)).doesNotExist();
  }

  @Test
  void aPreviewLeftByADeadOperatorIsStoppedWithItsGroup() throws Exception {
    PreviewProcess p = startWithAChild();
    try {
      awaitChild(p.pid());
      List<ProcessHandle> group = descendantsAndSelf(p.pid());
      // The operator "died": nobody closes p. Recovery reads the pid file.
      Optional<String> what = PreviewProcess.stopLeftover(root);

      assertThat(what).hasValueSatisfying(w -> assertThat(w).contains("stopped the leftover"));
      for (ProcessHandle h : group) {
        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(h.isAlive()).as("pid " + h.pid()).isFalse();
      }
      assertThat(PreviewProcess.pidFile(root)).doesNotExist();
    } finally {
      p.close();
    }
  }

  @Test
  void aPidFileNamingAnotherProcessKillsNothing() throws Exception {
    // Our own JVM, as if its pid had been reused: wrong start time and working directory.
    long self = ProcessHandle.current().pid();
    Files.createDirectories(PreviewProcess.pidFile(root).getParent());
    Files.writeString(PreviewProcess.pidFile(root), self + " 1\n" + release.toRealPath() + "\n");

    assertThat(PreviewProcess.stopLeftover(root))
        .hasValueSatisfying(w -> assertThat(w).contains("no longer runs"));
    assertThat(ProcessHandle.current().isAlive()).isTrue();
    assertThat(PreviewProcess.pidFile(root)).doesNotExist();
    assertThat(PreviewProcess.stopLeftover(root)).isEmpty();
  }

  static void awaitChild(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (descendantsAndSelf(pid).size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  static List<ProcessHandle> descendantsAndSelf(long pid) {
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(h), h.descendants()).toList();
  }
}
