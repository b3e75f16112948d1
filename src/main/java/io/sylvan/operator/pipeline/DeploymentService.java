package io.sylvan.operator.pipeline;

import io.quarkus.runtime.ShutdownEvent;
import io.sylvan.operator.runtime.WorkerPools;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecLookup;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.spec.SpecSourceException;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Starts pipeline runs for the API and the reconciler: the deployment row and lock are taken on the
 * caller's thread, the run itself on a pipeline worker.
 */
@ApplicationScoped
public class DeploymentService {

  @Inject DeploymentRunner runner;
  @Inject SpecCatalog specs;
  @Inject EnvironmentService environments;

  private final ExecutorService workers = WorkerPools.daemonPool("sylvan-pipeline");

  /** Why a deployment cannot start: the environment is unknown or its spec is invalid. */
  public static class NotDeployableException extends Exception {
    public NotDeployableException(String message) {
      super(message);
    }
  }

  /** A started run: its id now, its outcome later. */
  public record Started(long deploymentId, Future<DeploymentOutcome> outcome) {}

  /**
   * Deploys the spec's commit of {@code environment} as the spec source says it now: the source is
   * read first (with the reconcile loop off nothing else reads it after startup); when it cannot be
   * read, the last good snapshot is used.
   */
  public Started deploy(String environment, DeployOptions options, Trigger trigger)
      throws NotDeployableException, DeploymentRunner.BusyException {
    try {
      environments.applySnapshot(specs.refresh());
    } catch (SpecSourceException e) {
      // the catalog keeps the last good snapshot and reports the error in the status
    }
    SpecSnapshot snapshot =
        specs.current().orElseThrow(() -> new NotDeployableException("no specs loaded yet"));
    DeploySpec spec = validSpec(snapshot, environment);
    PreparedDeployment prepared =
        runner.prepareUpdate(
            spec, spec.spec().source().commit(), options, trigger, snapshot.revision());
    return submit(prepared);
  }

  public Started submit(PreparedDeployment prepared) {
    return new Started(prepared.deploymentId(), workers.submit(() -> runner.execute(prepared)));
  }

  static DeploySpec validSpec(SpecSnapshot snapshot, String environment)
      throws NotDeployableException {
    SpecLookup lookup = SpecLookup.of(Optional.of(snapshot), environment);
    if (!lookup.found()) {
      throw new NotDeployableException(lookup.problem());
    }
    return lookup.spec();
  }

  /** On a ShutdownEvent, not at bean destruction: a stopping run still needs the datasource. */
  void stop(@Observes ShutdownEvent ev) {
    WorkerPools.stop(workers, "a deployment");
  }
}
