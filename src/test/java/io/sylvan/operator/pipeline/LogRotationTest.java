package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation of {@code <root>/logs} on real files, with a small max-size. */
class LogRotationTest {

  @TempDir Path root;

  static final Duration DAYS_14 = Duration.ofDays(14);

  @Test
  void aDeployLogOverTheMaxSizeIsRotatedAndOnlyKeepFilesAreKept() throws IOException {
    Path file = root.resolve("logs/deployments/deploy_20261203_101010.log");
    try (DeploymentLog log = new DeploymentLog(file, "rot", new LogFiles.Limits(200, 3, DAYS_14))) {
      for (int i = 0; i < 60; i++) {
        log.output("line " + i);
      }
    }
    assertThat(file).exists();
    for (int n = 1; n <= 3; n++) {
      assertThat(LogFiles.numbered(file, n)).exists();
      assertThat(Files.size(LogFiles.numbered(file, n))).isLessThanOrEqualTo(200);
    }
    assertThat(LogFiles.numbered(file, 4)).doesNotExist();
    assertThat(Files.size(file)).isLessThanOrEqualTo(200);
    assertThat(Files.readString(file)).endsWith("    line 59" + System.lineSeparator());
  }

  @Test
  void theCurrentFileContinuesUnderTheSameNameAfterARotation() throws IOException {
    Path file = root.resolve("logs/deployments/deploy_20261203_101011.log");
    try (DeploymentLog log = new DeploymentLog(file, "rot", new LogFiles.Limits(100, 2, DAYS_14))) {
      log.info("Starting deployment update");
      for (int i = 0; i < 5; i++) {
        log.output("build output " + i);
      }
      log.step("Building application", Duration.ofMillis(1200));
      assertThat(log.file()).isEqualTo(file);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).isNotEmpty();
    assertThat(lines.get(lines.size() - 1))
        .matches(
            "\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] \\[STEP\\] Building application"
                + " \\(duration: 1\\.2s\\)");
    // Every file starts with a whole line: rotation happens between writes.
    for (Path f : List.of(file, LogFiles.numbered(file, 1))) {
      assertThat(Files.readAllLines(f).get(0))
          .matches("(\\[.*\\] \\[.*\\] .*|    build output \\d)");
    }
  }

  @Test
  void noLineIsLostOrSplitWhenManyThreadsWriteAcrossRotations() throws Exception {
    Path file = root.resolve("logs/deployments/deploy_20261203_101012.log");
    int threads = 8;
    int perThread = 400;
    // keep is large enough that no rotated file is deleted: every line must be found again.
    LogFiles.Limits limits = new LogFiles.Limits(2_000, 10_000, DAYS_14);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try (DeploymentLog log = new DeploymentLog(file, "rot", limits)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < perThread; i++) {
                    if (i % 2 == 0) {
                      log.output("t" + id + " n" + i);
                    } else {
                      log.info("t" + id + " n" + i);
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Integer> seen = new HashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(file.getParent())) {
      files = s.toList();
    }
    assertThat(files.size()).as("rotated files").isGreaterThan(10);
    for (Path f : files) {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        assertThat(line).matches("(    |\\[.{19}\\] \\[INFO\\] )t\\d n\\d+");
        seen.merge(line.substring(line.indexOf('t')), 1, Integer::sum);
      }
    }
    assertThat(seen).hasSize(threads * perThread);
    assertThat(seen.values()).allMatch(n -> n == 1);
  }

  @Test
  void theSweepDeletesOldLogsButNotARunningDeploymentsLogNorPm2sCurrentFiles() throws Exception {
    Path logs = root.resolve("logs");
    Instant now = Instant.now();
    FileTime old = FileTime.from(now.minus(Duration.ofDays(20)));
    Path oldDeploy = write(logs.resolve("deployments/deploy_20261101_000000.log"), "x", old);
    Path oldRotated = write(logs.resolve("deployments/deploy_20261101_000000.log.1"), "x", old);
    Path recentDeploy = write(logs.resolve("deployments/deploy_20261202_000000.log"), "x", null);
    Path oldHealth = write(logs.resolve("health-checks/health_20261101_000000.log"), "{}", old);
    Path recentHealth = write(logs.resolve("health-checks/health_20261202_000000.log"), "{}", null);
    Path pm2Out = write(logs.resolve("pm2-out.log"), "served\n", old);
    Path oldPm2Rotated = write(logs.resolve("pm2-out.log.2"), "served\n", old);
    Path running = logs.resolve("deployments/deploy_20261103_000000.log");
    try (DeploymentLog log = new DeploymentLog(running, "rot")) {
      log.info("a build that has been quiet for long");
      Files.setLastModifiedTime(running, old);

      LogRotation.Swept swept =
          LogRotation.sweep(logs, new LogFiles.Limits(1_000, 5, DAYS_14), now);

      assertThat(swept.deleted())
          .containsExactlyInAnyOrder(oldDeploy, oldRotated, oldHealth, oldPm2Rotated);
      assertThat(swept.rotated()).isEmpty();
    }
    assertThat(oldDeploy).doesNotExist();
    assertThat(oldRotated).doesNotExist();
    assertThat(oldHealth).doesNotExist();
    assertThat(oldPm2Rotated).doesNotExist();
    assertThat(recentDeploy).exists();
    assertThat(recentHealth).exists();
    assertThat(running).exists();
    assertThat(pm2Out).exists();
  }

  @Test
  void pm2LogsOverTheMaxSizeAreRenamedForPm2ToReopen() throws Exception {
    Path logs = root.resolve("logs");
    Path out = write(logs.resolve("pm2-out.log"), "o".repeat(300), null);
    Path err = write(logs.resolve("pm2-error.log"), "e".repeat(50), null);
    write(logs.resolve("pm2-out.log.1"), "older", null);

    LogRotation.Swept swept =
        LogRotation.sweep(logs, new LogFiles.Limits(200, 2, DAYS_14), Instant.now());

    assertThat(swept.rotated()).containsExactly(out);
    assertThat(out).doesNotExist();
    assertThat(LogFiles.numbered(out, 1)).hasContent("o".repeat(300));
    assertThat(LogFiles.numbered(out, 2)).hasContent("older");
    assertThat(err).hasContent("e".repeat(50));
  }

  @Test
  void badLimitsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> new LogFiles.Limits(0, 5, DAYS_14))
        .hasMessageContaining("sylvan.logs.max-size");
    assertThatThrownBy(() -> new LogFiles.Limits(10, 0, DAYS_14))
        .hasMessageContaining("sylvan.logs.keep");
    assertThatThrownBy(() -> new LogFiles.Limits(10, 1, Duration.ZERO))
        .hasMessageContaining("sylvan.logs.max-age");
  }

  private static Path write(Path file, String content, FileTime mtime) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    if (mtime != null) {
      Files.setLastModifiedTime(file, mtime);
    }
    return file;
  }
}
