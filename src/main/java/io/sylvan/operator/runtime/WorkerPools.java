package io.sylvan.operator.runtime;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/** Stopping the operator's worker pools when the operator stops (SIGTERM). */
public final class WorkerPools {

  private static final Logger LOG = Logger.getLogger(WorkerPools.class);

  /**
   * How long a stopping operator waits for its running work: an interrupted command is killed at
   * once and its step recorded in milliseconds, so this bounds only work that ignores interrupts.
   * Kept well under the 10 s after which docker and most supervisors send SIGKILL.
   */
  public static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private WorkerPools() {}

  /**
   * A cached pool of daemon threads named {@code <prefix>-1}, {@code <prefix>-2}, ...: daemon so a
   * hung command never keeps the JVM alive; {@link #stop} ends them in order on shutdown.
   */
  public static ExecutorService daemonPool(String prefix) {
    AtomicInteger threads = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, prefix + "-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** One daemon thread named {@code name} that runs timed tasks. */
  public static ScheduledExecutorService daemonTimer(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Interrupts what {@code pool} runs (a running command kills its process tree, a pipeline records
   * its step and deployment as stopped) and waits up to {@link #STOP_GRACE} for it to end, so it
   * still has the database: this runs from a {@code ShutdownEvent} observer, before Quarkus closes
   * the datasource and before the embedded database stops.
   */
  public static void stop(ExecutorService pool, String name) {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warnf("%s still running %s after the operator was asked to stop", name, STOP_GRACE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
