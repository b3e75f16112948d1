package io.sylvan.operator.health;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.reconcile.ReconcileLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Alive while the reconcile loop ticks: three missed ticks in a row mean it is stuck. */
@Liveness
@ApplicationScoped
public class ReconcileLoopHealthCheck implements HealthCheck {

  static final String NAME = "reconcile-loop";
  static final int MISSED_TICKS = 3;

  @Inject ReconcileLoop loop;
  @Inject OperatorConfig config;

  @Override
  public HealthCheckResponse call() {
    if (!config.reconcile().enabled()) {
      return HealthCheckResponse.named(NAME).up().withData("loop", "disabled").build();
    }
    return evaluate(loop.lastTick(), loop.tickInterval(), Instant.now());
  }

  /** UP while the last tick is at most {@link #MISSED_TICKS} tick intervals old. */
  static HealthCheckResponse evaluate(Instant lastTick, Duration tick, Instant now) {
    Duration since = Duration.between(lastTick, now);
    var b =
        HealthCheckResponse.named(NAME)
            .withData("lastTick", lastTick.toString())
            .withData("secondsSinceLastTick", since.toSeconds());
    return since.compareTo(tick.multipliedBy(MISSED_TICKS)) <= 0
        ? b.up().build()
        : b.down().withData("reason", "no reconcile tick for " + since.toSeconds() + "s").build();
  }
}
