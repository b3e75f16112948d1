package io.sylvan.operator.reconcile;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Samples each node's PM2 app pids in the background and keeps, per node, the window in which they
 * changed (first sample that differs from the start, last sample that differs from the one before):
 * when a node's processes were reloaded, seen from PM2 rather than from the operator's records.
 */
final class PidWatch implements AutoCloseable {

  /** When a node's pids changed: milliseconds since the watch started. */
  record Window(long firstChangeMs, long lastChangeMs) {
    boolean overlaps(Window o) {
      return firstChangeMs <= o.lastChangeMs && o.firstChangeMs <= lastChangeMs;
    }
  }

  private final Map<String, Set<Long>> initial;
  private final Map<String, Set<Long>> last = new LinkedHashMap<>();
  private final Map<String, Window> windows = new LinkedHashMap<>();
  private final Thread thread;
  private final long t0 = System.nanoTime();
  private volatile boolean stop;

  PidWatch(List<String> nodes, Function<String, Set<Long>> pids, Duration every) {
    initial = new LinkedHashMap<>();
    nodes.forEach(n -> initial.put(n, pids.apply(n)));
    last.putAll(initial);
    thread =
        new Thread(
            () -> {
              while (!stop) {
                for (String n : nodes) {
                  Set<Long> now = pids.apply(n);
                  long ms = (System.nanoTime() - t0) / 1_000_000;
                  synchronized (this) {
                    if (!now.equals(last.get(n))) {
                      windows.merge(
                          n, new Window(ms, ms), (a, b) -> new Window(a.firstChangeMs(), ms));
                      last.put(n, now);
                    }
                  }
                }
                OperatorProcess.sleep(every.toMillis());
              }
            },
            "pid-watch");
    thread.setDaemon(true);
    thread.start();
  }

  Map<String, Set<Long>> initial() {
    return initial;
  }

  /** The change window of each node whose pids changed. */
  synchronized Map<String, Window> windows() {
    return new LinkedHashMap<>(windows);
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(10_000);
  }
}
