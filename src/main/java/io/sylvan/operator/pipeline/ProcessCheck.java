package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Pm2Process;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What PM2 really runs, checked from {@code jlist} and {@code /proc}: every instance online, the
 * expected commit in its environment, its working directory inside the expected release, and (when
 * asked) no unstable restarts.
 */
final class ProcessCheck {

  private ProcessCheck() {}

  /** Null when PM2 runs the context's release as the spec asks, else what is wrong. */
  static String problem(List<Pm2Process> all, DeploymentContext ctx, boolean strictRestarts) {
    List<Pm2Process> app = Pm2Process.byName(all, ctx.appName());
    int want = ctx.s().process().instances();
    if (app.isEmpty()) {
      return "no PM2 process named " + ctx.appName();
    }
    if (app.size() != want) {
      return app.size() + " instances instead of " + want;
    }
    Path release = realPath(ctx.releaseDir());
    for (Pm2Process p : app) {
      if (!p.online()) {
        return "instance " + p.pmId() + " is " + p.status().wire();
      }
      String commit = p.env().get("SYLVAN_COMMIT");
      if (!ctx.commit().equals(commit)) {
        return "instance " + p.pmId() + " runs commit " + commit;
      }
      if (strictRestarts && p.unstableRestarts() > 0) {
        return "instance " + p.pmId() + " restarted unstably " + p.unstableRestarts() + " times";
      }
      Path cwd = processCwd(p.pid());
      if (cwd != null && release != null && !cwd.startsWith(release)) {
        return "instance " + p.pmId() + " runs in " + cwd + ", not in " + release;
      }
    }
    return null;
  }

  /** The real working directory of a process (Linux), or null when it cannot be read. */
  static Path processCwd(long pid) {
    if (pid <= 0) {
      return null;
    }
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return null;
    }
  }
}
