package io.sylvan.operator.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** Size of the machine the apps run on: memory, CPUs, free disk. */
public class HostMetrics {

  private final Path meminfo;

  public HostMetrics() {
    this(Path.of("/proc/meminfo"));
  }

  /** For tests and unusual mounts: reads {@code meminfo} instead of {@code /proc/meminfo}. */
  public HostMetrics(Path meminfo) {
    this.meminfo = meminfo;
  }

  /** MemTotal from /proc/meminfo; the JVM's view of physical memory where that is missing. */
  public long totalMemoryBytes() {
    OptionalLong fromProc = meminfoBytes("MemTotal");
    if (fromProc.isPresent()) {
      return fromProc.getAsLong();
    }
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
  }

  /** MemAvailable from /proc/meminfo (what new processes can get without swapping), if known. */
  public OptionalLong availableMemoryBytes() {
    return meminfoBytes("MemAvailable");
  }

  /** CPUs this process may use (respects cgroup limits and affinity). */
  public int cpuCount() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Bytes an unprivileged user can still write on the file system of {@code path}. A path that does
   * not exist yet (a release directory about to be created) is measured at its nearest existing
   * ancestor.
   */
  public long freeDiskBytes(Path path) {
    Path existing = path.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new IllegalArgumentException("no existing ancestor of " + path);
    }
    try {
      return Files.getFileStore(existing).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A {@code Key: 123 kB} line of meminfo, in bytes. */
  private OptionalLong meminfoBytes(String key) {
    List<String> lines;
    try {
      lines = Files.readAllLines(meminfo);
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    for (String line : lines) {
      if (line.startsWith(key + ":")) {
        String[] parts = line.substring(key.length() + 1).trim().split("\\s+");
        try {
          long value = Long.parseLong(parts[0]);
          boolean kib = parts.length > 1 && parts[1].equalsIgnoreCase("kB");
          return OptionalLong.of(kib ? value * 1024 : value);
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
