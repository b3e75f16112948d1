package io.sylvan.operator.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Command lines that run work which serves no user (install, build, migrations, the pre-traffic
 * preview) at the lowest CPU and I/O priority the host offers, so that the serving workers keep the
 * CPU on a small VM. The builders are pure; {@link #probe()} finds out once what this host allows.
 * The operator's switch ({@code sylvan.deploy.idle-priority}) turns the lowering off.
 */
public final class IdlePriority {

  /** What the host lets an unprivileged process do to itself. */
  public record Support(boolean chrtIdle, boolean ioniceIdle, boolean setsid) {}

  private static volatile Support probed;

  private IdlePriority() {}

  /**
   * {@code argv} at {@code SCHED_IDLE} ({@code chrt --idle 0}) or else nice 19, with idle I/O
   * priority ({@code ionice -c 3}) when available; unchanged when {@code enabled} is false. Each
   * tool execs the next in place, so the command keeps the pid its runner started (a timeout kills
   * its tree from there) and the group of its caller.
   */
  public static List<String> lowest(List<String> argv, Support support, boolean enabled) {
    if (!enabled) {
      return List.copyOf(argv);
    }
    List<String> out = new ArrayList<>();
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

  /**
   * {@link #lowest} in a new session (its own process group, whose id is its pid: {@code setsid}
   * execs in place when its caller is no group leader), for a process stopped with {@link
   * #killGroup} rather than by a command runner. The session is kept when {@code enabled} is false.
   */
  public static List<String> inOwnGroup(List<String> argv, Support support, boolean enabled) {
    List<String> lowered = lowest(argv, support, enabled);
    if (!support.setsid()) {
      return lowered;
    }
    List<String> out = new ArrayList<>();
    out.add("setsid");
    out.addAll(lowered);
    return List.copyOf(out);
  }

  /** {@link #inOwnGroup} with the lowering on. */
  public static List<String> wrap(List<String> argv, Support support) {
    return inOwnGroup(argv, support, true);
  }

  /** How a command line of {@link #lowest} runs, for logs and step output. */
  public static String describe(Support s, boolean enabled) {
    if (!enabled) {
      return "normal priority (sylvan.deploy.idle-priority=false)";
    }
    return (s.chrtIdle() ? "SCHED_IDLE" : "nice 19") + (s.ioniceIdle() ? ", idle I/O" : "");
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
