package io.sylvan.operator.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Command lines that run work which serves no user (the pre-traffic preview) at the lowest CPU and
 * I/O priority the host offers, in a process group of its own so it can be stopped as a whole. The
 * builders are pure; {@link #probe()} finds out once what this host allows.
 */
public final class IdlePriority {

  /** What the host lets an unprivileged process do to itself. */
  public record Support(boolean chrtIdle, boolean ioniceIdle, boolean setsid) {}

  private static volatile Support probed;

  private IdlePriority() {}

  /**
   * {@code argv} in a new session (its own process group, whose id is its pid: {@code setsid} execs
   * in place when its caller is no group leader), at {@code SCHED_IDLE} ({@code chrt --idle 0}) or
   * else nice 19, with idle I/O priority ({@code ionice -c 3}) when available.
   */
  public static List<String> wrap(List<String> argv, Support support) {
    List<String> out = new ArrayList<>();
    if (support.setsid()) {
      out.add("setsid");
    }
    if (support.chrtIdle()) {
      out.addAll(List.of("chrt", "--idle", "0"));
    } else {
      out.addAll(List.of("nice", "-n", "19"));
    }
    if (support.ioniceIdle()) {
      out.addAll(List.of("ionice", "-c", "3"));
    }
    out.addAll(argv);
    return List.copyOf(out);
  }

  /** {@code kill -KILL -- -<pgid>}: every process of the group, children included. */
  public static List<String> killGroup(long pgid) {
    if (pgid <= 1) {
      throw new IllegalArgumentException("not a process group to kill: " + pgid);
    }
    return List.of("kill", "-KILL", "--", "-" + pgid);
  }

  /** What this host allows, tried once by running each tool on {@code true}. */
  public static Support probe() {
    Support s = probed;
    if (s == null) {
      s =
          new Support(
              works(List.of("chrt", "--idle", "0", "true")),
              works(List.of("ionice", "-c", "3", "true")),
              works(List.of("setsid", "true")));
      probed = s;
    }
    return s;
  }

  private static boolean works(List<String> argv) {
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
