package io.sylvan.operator.api;

import io.sylvan.operator.spec.NodeNames;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.WireEnum;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Deployment history. Query parameters are taken as strings so a bad value gets a 400 naming the
 * parameter (JAX-RS would answer 404 for an unconvertible query parameter).
 */
@Path("/deployments")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "deployments")
public class DeploymentResource {

  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 500;

  @Inject StatusService status;

  @GET
  @Operation(
      summary =
          "Deployment history of every node, newest first; node=<name> keeps one node's; page"
              + " with before=<id of the last row>")
  public List<DeploymentView> history(
      @QueryParam("env") String env,
      @QueryParam("node") String node,
      @QueryParam("status") String statusParam,
      @QueryParam("limit") String limitParam,
      @QueryParam("before") String beforeParam) {
    DeploymentStatus st = statusParam == null ? null : parseStatus(statusParam);
    int limit =
        limitParam == null ? DEFAULT_LIMIT : (int) Params.longIn("limit", limitParam, 1, MAX_LIMIT);
    Long before =
        beforeParam == null ? null : Params.longIn("before", beforeParam, 1, Long.MAX_VALUE);
    if (env != null && status.environment(env).isEmpty()) {
      throw ApiException.notFound("no environment named '" + env + "'");
    }
    if (node != null && !NodeNames.NAME.matcher(node).matches()) {
      throw ApiException.badParameter(
          "node",
          "node must be a node name ("
              + NodeNames.NAME_RULE
              + "), got '"
              + Params.shown(node)
              + "'");
    }
    return status.history(env, node, st, before, limit);
  }

  @GET
  @Path("/{id}")
  @Operation(summary = "One deployment with its steps and health check results")
  public DeploymentView one(@PathParam("id") String idParam) {
    long id;
    try {
      id = Long.parseLong(idParam);
    } catch (NumberFormatException e) {
      throw ApiException.notFound("no deployment with id '" + idParam + "'");
    }
    return status
        .deployment(id)
        .orElseThrow(() -> ApiException.notFound("no deployment with id " + id));
  }

  private static DeploymentStatus parseStatus(String value) {
    try {
      return WireEnum.fromWire(DeploymentStatus.class, value);
    } catch (IllegalArgumentException e) {
      String allowed =
          String.join(
              ", ", Arrays.stream(DeploymentStatus.values()).map(DeploymentStatus::wire).toList());
      throw ApiException.badParameter(
          "status", "status must be one of " + allowed + ", got '" + Params.shown(value) + "'");
    }
  }
}
