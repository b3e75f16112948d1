package io.sylvan.operator.reconcile;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.spec.SpecSourceException;
import io.sylvan.operator.state.EnvironmentService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Reads the spec source every {@code sylvan.specs.poll-interval} (and at once for a webhook),
 * records the view in the database, and says which environments' desired commit changed, so the
 * loop reconciles those at once.
 */
@ApplicationScoped
public class SpecPoller {

  private static final Logger LOG = Logger.getLogger(SpecPoller.class);

  @Inject OperatorConfig config;
  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;

  private final Map<String, String> lastDesired = new ConcurrentHashMap<>();
  private volatile Instant lastRead = Instant.EPOCH;
  private final AtomicLong readsStarted = new AtomicLong();
  private volatile long lastGoodRead;
  private volatile Consumer<String> onChanged = env -> {};

  /** A recorded read: the snapshot and the environments whose desired commit changed. */
  public record Read(SpecSnapshot snapshot, Set<String> changed) {}

  /** Whether the poll interval passed since the last read. */
  public boolean due() {
    return Duration.between(lastRead, Instant.now()).compareTo(config.specs().pollInterval()) >= 0;
  }

  /**
   * Reads the spec source now and records it. Empty when the source cannot be read (the catalog
   * keeps the last good view) or the view cannot be recorded. One reader at a time: the tick, a
   * webhook and startup may all ask at once.
   */
  public synchronized Optional<Read> refresh() {
    lastRead = Instant.now();
    long read = readsStarted.incrementAndGet();
    SpecSnapshot snap;
    try {
      snap = specs.refresh();
    } catch (SpecSourceException e) {
      // The catalog keeps the last good view and the status says the source is unreadable.
      LOG.warnf("spec source: %s", e.getMessage());
      return Optional.empty();
    }
    try {
      environments.applySnapshot(snap);
      Set<String> changed = new TreeSet<>();
      for (var e : snap.valid().entrySet()) {
        String desired = e.getValue().spec().source().commit();
        String before = lastDesired.put(e.getKey(), desired);
        if (before != null && !before.equals(desired)) {
          changed.add(e.getKey());
        }
      }
      lastGoodRead = read;
      changed.forEach(onChanged);
      return Optional.of(new Read(snap, changed));
    } catch (RuntimeException e) {
      // Most likely the database is down: readiness says so; the next read records it.
      LOG.warnf("cannot record the spec view in the database: %s", e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Who reconciles an environment whose desired commit changed, whoever asked for the read (the
   * loop's poll, a webhook, or a reconcile that had to read the specs again).
   */
  void onChanged(Consumer<String> listener) {
    onChanged = listener;
  }

  /** A number that grows with every read started; compare with {@link #lastGoodRead()}. */
  public long readsStarted() {
    return readsStarted.get();
  }

  /** The number ({@link #readsStarted()}) of the last read that succeeded, 0 when none did. */
  public long lastGoodRead() {
    return lastGoodRead;
  }

  /** The last view read (maybe not yet recorded), if any. */
  public Optional<SpecSnapshot> current() {
    return specs.current();
  }
}
