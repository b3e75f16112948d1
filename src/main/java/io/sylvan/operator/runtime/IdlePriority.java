package io.sylvan.operator.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Command lines that run work which serves no user (install, build, migrations, the pre-traffic
 * preview) at a lower CPU and I/O priority than the serving workers, so that on a small VM the
 * serving workers keep most of the CPU, yet the work still finishes when the host is busy. The
 * builders are pure; {@link #probe()} finds out once what this host allows. The operator's switch
 * ({@code sylvan.deploy.idle-priority}) turns the lowering off.
 */
public final class IdlePriority {

  /**
   * The nice value of deployment work. Not 19 and not {@code SCHED_IDLE}: next to processes that
   * keep every core busy, a {@code SCHED_IDLE} {@code npm ci} made no progress in 300 s and timed
   * out (NextZeroDowntimeTest next to two CPU-bound processes, 2026-12-03). At nice 10 (CFS weight
   * 110 against 1024 at nice 0) it gets about a tenth of a core that a serving worker wants, and
   * the whole core when the workers are idle.
   */
  public static final int NICE = 10;

  /** What the host lets an unprivileged process do to itself. */
  public record Support(boolean ionice, boolean setsid) {}

  private static volatile Support probed;

  private IdlePriority() {}

  /**
   * {@code argv} at nice {@value #NICE} ({@code nice -n 10}) with the lowest best-effort I/O
   * priority ({@code ionice -c 2 -n 7}, not the idle class, which starves the same way) when
   * available; unchanged when {@code enabled} is false. Each tool execs the next in place, so the
   * command keeps the pid its runner started (a timeout kills its tree from there) and the group of
   * its caller.
   */
  public static List<String> lowest(List<String> argv, Support support, boolean enabled) {
    if (!enabled) {
      return List.copyOf(argv);
    }
    List<String> out = new ArrayList<>(List.of("nice", "-n", Integer.toString(NICE)));
    if (support.ionice()) {
      out.addAll(List.of("ionice", "-c", "2", "-n", "7"));
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
    return "nice " + NICE + (s.ionice() ? ", lowest best-effort I/O" : "");
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
              works(List.of("ionice", "-c", "2", "-n", "7", "true")),
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
