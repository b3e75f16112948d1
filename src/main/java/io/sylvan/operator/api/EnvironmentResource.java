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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
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
      @QueryParam("force") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN)) String force,
      @QueryParam("skipBackup") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
          String skipBackup,
      @QueryParam("skipHealthCheck") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
          String skipHealthCheck) {
    DeployOptions options = options(force, skipBackup, skipHealthCheck);
    try {
      var started = deployments.deploy(env, options, Trigger.API);
      return Response.accepted(new Accepted(env, "deploy", started.deploymentId(), null)).build();
    } catch (DeploymentService.NotDeployableException e) {
      throw ApiException.notFound(e.getMessage());
    } catch (DeploymentRunner.BusyException e) {
      throw ApiException.conflict(e.getMessage());
    }
  }

  @POST
  @Path("/sync")
  @Operation(
      summary = "Reconcile now; retries a commit that failed before and lifts a rollback pin")
  public Response sync(
      @PathParam("env") String env,
      @QueryParam("force") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN)) String force,
      @QueryParam("skipBackup") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
          String skipBackup,
      @QueryParam("skipHealthCheck") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
          String skipHealthCheck) {
    DeployOptions options = options(force, skipBackup, skipHealthCheck);
    try {
      actions.sync(env, options);
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
  public Response rollback(
      @PathParam("env") String env,
      @QueryParam("to") String to,
      @QueryParam("reason")
          @Parameter(
              description =
                  "Why (recorded on the rollback's deployment; one line, at most 500 characters)")
          String reason) {
    String target = Params.commit("to", to);
    try {
      String commit = actions.rollback(env, target, reason);
      return Response.accepted(new Accepted(env, "rollback", null, commit)).build();
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  @POST
  @Path("/suspend")
  @Operation(summary = "Stop reconciling this environment (what runs keeps running)")
  public Accepted suspend(@PathParam("env") String env) {
    return simple(env, "suspend", actions::suspend);
  }

  @POST
  @Path("/resume")
  @Operation(summary = "Reconcile this environment again")
  public Accepted resume(@PathParam("env") String env) {
    return simple(env, "resume", actions::resume);
  }

  /** An action that takes only the environment and answers what it did. */
  private interface Action {
    void run(String env) throws EnvironmentActions.ActionException;
  }

  private static Accepted simple(String env, String what, Action action) {
    try {
      action.run(env);
      return new Accepted(env, what, null, null);
    } catch (EnvironmentActions.ActionException e) {
      throw failed(e);
    }
  }

  /** Booleans are true or false, nothing else: {@code ?force=1} is a 400, not a silent false. */
  private static DeployOptions options(String force, String skipBackup, String skipHealthCheck) {
    return new DeployOptions(
        Params.bool("force", force),
        Params.bool("skipBackup", skipBackup),
        Params.bool("skipHealthCheck", skipHealthCheck));
  }

  private static ApiException failed(EnvironmentActions.ActionException e) {
    return e.conflict()
        ? ApiException.conflict(e.getMessage())
        : ApiException.notFound(e.getMessage());
  }
}
