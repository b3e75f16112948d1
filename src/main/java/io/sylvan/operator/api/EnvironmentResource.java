package io.sylvan.operator.api;

import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.DeploymentService;
import io.sylvan.operator.reconcile.EnvironmentActions;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Actions on one environment; every one needs the bearer token. */
@Path("/environments/{env}")
@Produces(MediaType.APPLICATION_JSON)
@RequiresToken
@Tag(name = "environments")
@SecurityRequirement(name = "bearer")
public class EnvironmentResource {

  @Inject DeploymentService deployments;
  @Inject EnvironmentActions actions;

  /** The answer to an accepted action. {@code deploymentId} is set when a run started at once. */
  public record Accepted(String environment, String action, Long deploymentId, String commit) {}

  @POST
  @Path("/deploy")
  @Operation(summary = "Run the update pipeline for the spec's commit now (deploy-update.sh)")
  public Response deploy(
      @PathParam("env") String env,
      @QueryParam("force") boolean force,
      @QueryParam("skipBackup") boolean skipBackup,
      @QueryParam("skipHealthCheck") boolean skipHealthCheck) {
    try {
      var started =
          deployments.deploy(
              env, new DeployOptions(force, skipBackup, skipHealthCheck), Trigger.API);
      return Response.accepted(new Accepted(env, "deploy", started.deploymentId(), null)).build();
    } catch (DeploymentService.NotDeployableException e) {
      throw ApiException.notFound(e.getMessage());
    } catch (DeploymentRunner.BusyException e) {
      throw new ApiException(new ApiError(409, "Conflict", e.getMessage(), null));
    }
  }

  @POST
  @Path("/sync")
  @Operation(
      summary = "Reconcile now; retries a commit that failed before and lifts a rollback pin")
  public Response sync(
      @PathParam("env") String env,
      @QueryParam("force") boolean force,
      @QueryParam("skipBackup") boolean skipBackup,
      @QueryParam("skipHealthCheck") boolean skipHealthCheck) {
    try {
      actions.sync(env, new DeployOptions(force, skipBackup, skipHealthCheck));
      return Response.accepted(new Accepted(env, "sync", null, null)).build();
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  @POST
  @Path("/rollback")
  @Operation(
      summary =
          "Roll back to the previous good release (or ?to=<sha> of a release on disk) and stay"
              + " there until the spec names another commit")
  public Response rollback(@PathParam("env") String env, @QueryParam("to") String to) {
    try {
      String commit = actions.rollback(env, to);
      return Response.accepted(new Accepted(env, "rollback", null, commit)).build();
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  @POST
  @Path("/suspend")
  @Operation(summary = "Stop reconciling this environment (what runs keeps running)")
  public Accepted suspend(@PathParam("env") String env) {
    try {
      actions.suspend(env);
      return new Accepted(env, "suspend", null, null);
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  @POST
  @Path("/resume")
  @Operation(summary = "Reconcile this environment again")
  public Accepted resume(@PathParam("env") String env) {
    try {
      actions.resume(env);
      return new Accepted(env, "resume", null, null);
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  private static ApiException failed(EnvironmentActions.ActionException e) {
    return e.conflict()
        ? new ApiException(new ApiError(409, "Conflict", e.getMessage(), null))
        : ApiException.notFound(e.getMessage());
  }
}
