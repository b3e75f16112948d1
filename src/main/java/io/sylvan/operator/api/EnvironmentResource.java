package io.sylvan.operator.api;

import io.sylvan.operator.pipeline.DeployOptions;
import io.sylvan.operator.pipeline.DeploymentRunner;
import io.sylvan.operator.pipeline.DeploymentService;
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

  /** The answer to an accepted action: the deployment it started. */
  public record Accepted(long deploymentId, String environment, String status) {}

  @POST
  @Path("/deploy")
  @Operation(summary = "Deploy the spec's commit now (the seed's deploy-update.sh)")
  public Response deploy(
      @PathParam("env") String env,
      @QueryParam("force") boolean force,
      @QueryParam("skipBackup") boolean skipBackup,
      @QueryParam("skipHealthCheck") boolean skipHealthCheck) {
    try {
      var started =
          deployments.deploy(env, new DeployOptions(force, skipBackup, skipHealthCheck), Trigger.API);
      return Response.accepted(new Accepted(started.deploymentId(), env, "in_progress")).build();
    } catch (DeploymentService.NotDeployableException e) {
      throw ApiException.notFound(e.getMessage());
    } catch (DeploymentRunner.BusyException e) {
      return Response.status(Response.Status.CONFLICT)
          .entity(new ApiError(409, "Conflict", e.getMessage(), null))
          .build();
    }
  }
}
