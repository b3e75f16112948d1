package io.sylvan.operator.fleet;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/** Runs the real {@link FleetEvents} listener outside CDI, for bench/fleet's simulation. */
public final class FleetEventsAccess {

  private FleetEventsAccess() {}

  /** A started listener on {@code dataSource} (it holds one of its connections). */
  public static FleetEvents start(AgroalDataSource dataSource) {
    FleetEvents events = new FleetEvents();
    events.dataSource = dataSource;
    events.onStart(new StartupEvent());
    return events;
  }

  public static void stop(FleetEvents events) {
    events.onStop(new ShutdownEvent());
  }
}
