package io.sylvan.operator.observe;

import java.time.Instant;

/**
 * The data of one live event ({@code GET /events}), serialized as one line of camelCase JSON with
 * nulls left out. Each record is one event type; the field lists are a contract with the dashboard
 * and {@code sylvanctl --wait} (docs/events.md).
 */
public sealed interface EventData {

  /** The SSE event name, such as {@code step.finished}. */
  String event();

  /** The environment the event is about, for {@code ?env=}. */
  String environment();

  record DeploymentStarted(
      long deploymentId,
      String environment,
      String node,
      String commit,
      String type,
      String trigger,
      Instant at)
      implements EventData {
    @Override
    public String event() {
      return "deployment.started";
    }
  }

  record StepStarted(
      long deploymentId, String environment, String node, String step, String phase, Instant at)
      implements EventData {
    @Override
    public String event() {
      return "step.started";
    }
  }

  record StepFinished(
      long deploymentId,
      String environment,
      String node,
      String step,
      String phase,
      String status,
      Long durationMs,
      String message,
      Instant at)
      implements EventData {
    @Override
    public String event() {
      return "step.finished";
    }
  }

  record HealthChecked(
      String environment,
      String node,
      boolean healthy,
      Long responseTimeMs,
      String message,
      Instant at)
      implements EventData {
    @Override
    public String event() {
      return "health.checked";
    }
  }

  record DeploymentFinished(
      long deploymentId,
      String environment,
      String node,
      String commit,
      String status,
      Long durationMs,
      String failedStep,
      String message,
      Instant at)
      implements EventData {
    @Override
    public String event() {
      return "deployment.finished";
    }
  }

  record ConditionChanged(
      String environment, String type, boolean status, String reason, String message, Instant at)
      implements EventData {
    @Override
    public String event() {
      return "condition.changed";
    }
  }

  record DriftDetected(String environment, String kind, String message, Instant at)
      implements EventData {
    @Override
    public String event() {
      return "drift.detected";
    }
  }
}
