package io.sylvan.operator.observe;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.runtime.WorkerPools;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The operator's one {@link EventBus}: the code that records a fact publishes it here ({@code GET
 * /events} reads it). Publishing never fails or blocks the caller: a deployment must not stop
 * because nobody can be told about it.
 */
@ApplicationScoped
public class Events {

  private static final Logger LOG = Logger.getLogger(Events.class);

  @Inject OperatorConfig config;
  @Inject OperatorSecrets secrets;

  private EventBus bus;
  private ScheduledExecutorService timer;

  @PostConstruct
  void start() {
    OperatorConfig.Events c = config.events();
    bus =
        new EventBus(
            c.buffer(), c.subscriberQueue(), System.currentTimeMillis() * 1000, secrets::redactor);
    long every = Math.max(1, c.keepAlive().toMillis());
    timer = WorkerPools.daemonTimer("sylvan-events");
    timer.scheduleAtFixedRate(this::keepAlive, every, every, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
    bus.closeAll();
  }

  /** A task that throws is never run again: keep-alives must survive any one failure. */
  private void keepAlive() {
    try {
      bus.keepAlive();
    } catch (RuntimeException e) {
      LOG.warnf("event keep-alive failed: %s", e.getMessage());
    }
  }

  /** Publishes {@code data}; a failure is logged, never thrown. */
  public void publish(EventData data) {
    try {
      bus.publish(data);
    } catch (RuntimeException e) {
      LOG.warnf("event %s not published: %s", data.event(), e.getMessage());
    }
  }

  public EventBus bus() {
    return bus;
  }
}
