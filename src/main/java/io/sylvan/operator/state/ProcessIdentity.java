package io.sylvan.operator.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Which OS process holds a node name: {@code <boot id>/<pid namespace>/<pid>/<start ms>}. On the
 * same boot and in the same pid namespace a holder's liveness is a fact the kernel knows, so an
 * operator restarted after {@code kill -9} (systemd, a test) takes its name back at once instead of
 * waiting for the dead holder's lease to expire. Anywhere else (another machine or container, no
 * /proc) nothing is known and the lease decides.
 */
public record ProcessIdentity(String machine, long pid, long startMillis) {

  /** This process; empty where /proc does not tell the boot and the pid namespace. */
  public static Optional<ProcessIdentity> self() {
    try {
      String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
      String pidNs = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
      ProcessHandle me = ProcessHandle.current();
      Optional<Instant> start = me.info().startInstant();
      if (boot.isEmpty() || start.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new ProcessIdentity(boot + "|" + pidNs, me.pid(), start.get().toEpochMilli()));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  public static Optional<ProcessIdentity> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String[] p = text.split("/");
    if (p.length != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ProcessIdentity(p[0], Long.parseLong(p[1]), Long.parseLong(p[2])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public String text() {
    return machine + "/" + pid + "/" + startMillis;
  }

  /**
   * True only when {@code holder} certainly runs no operator: it is on this machine's boot and pid
   * namespace and its process is gone (or its pid now belongs to a process started at another
   * time), or it is this very process (a previous application start in this JVM, as in tests).
   */
  public boolean certainlyGone(ProcessIdentity holder) {
    if (!machine.equals(holder.machine)) {
      return false;
    }
    if (holder.pid == pid && holder.startMillis == startMillis) {
      return true;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(holder.pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return true;
    }
    Optional<Instant> start = process.get().info().startInstant();
    // Start times are reported to 10 ms (clock ticks); a different start is a reused pid.
    return start.isPresent() && Math.abs(start.get().toEpochMilli() - holder.startMillis) > 1000;
  }
}
