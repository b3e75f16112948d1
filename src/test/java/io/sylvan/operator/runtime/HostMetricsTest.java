package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostMetricsTest {

  @Test
  void readsTheRealMachine(@TempDir Path dir) {
    HostMetrics metrics = new HostMetrics();
    assertThat(metrics.totalMemoryBytes()).isGreaterThan(64L * 1024 * 1024);
    assertThat(metrics.cpuCount()).isPositive();
    assertThat(metrics.freeDiskBytes(dir)).isPositive();
    // A release directory that does not exist yet is measured where it will be created.
    assertThat(metrics.freeDiskBytes(dir.resolve("releases/next"))).isPositive();
  }

  @Test
  void parsesMeminfoInKibibytes(@TempDir Path dir) throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Files.writeString(
        meminfo, "MemTotal:        8048576 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n");
    HostMetrics metrics = new HostMetrics(meminfo);
    assertThat(metrics.totalMemoryBytes()).isEqualTo(8048576L * 1024);
    assertThat(metrics.availableMemoryBytes()).hasValue(4000000L * 1024);
  }
}
