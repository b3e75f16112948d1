package io.sylvan.operator.pipeline;

import java.util.Optional;

/**
 * One step of the update pipeline. Steps run in the order {@link PipelineSteps} declares, each
 * recorded as a {@code deployment_step} row and a {@code [STEP]} line in the deploy log. A step
 * never holds a database transaction: it runs commands and touches files only.
 */
public interface Step {

  /** A short human name, as logged: "Installing dependencies". */
  String name();

  Phase phase();

  /**
   * Why this step does not run for this deployment (an option or the spec switched it off), or
   * empty when it runs.
   */
  default Optional<String> skipReason(DeploymentContext ctx) {
    return Optional.empty();
  }

  /**
   * Runs the step. Returns a short summary of what it did (kept as the step's output when the step
   * produced no command output); throws {@link StepFailure} when it fails.
   */
  String run(DeploymentContext ctx) throws StepFailure;
}
