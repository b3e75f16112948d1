package io.sylvan.operator.api;

import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.pipeline.LogFiles;
import io.sylvan.operator.spec.NodeNames;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.LocalNode;
import io.sylvan.operator.state.WireEnum;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
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
  @Inject LocalNode local;
  @Inject OperatorSecrets secrets;

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
    long id = id(idParam);
    return status
        .deployment(id)
        .orElseThrow(() -> ApiException.notFound("no deployment with id " + id));
  }

  @GET
  @Path("/{id}/log")
  @Produces(MediaType.TEXT_PLAIN)
  @Operation(
      summary =
          "The deploy log of one deployment (redacted when written; an automatic rollback shares"
              + " the log of the deployment it rolled back), as plain text")
  public String log(@PathParam("id") String idParam) {
    long id = id(idParam);
    StatusService.LogLocation where =
        status
            .logLocation(id)
            .orElseThrow(() -> ApiException.notFound("no deployment with id " + id));
    if (!where.node().equals(local.name())) {
      throw ApiException.notFound(
          "the log of deployment " + id + " is on node " + where.node() + "; ask its operator");
    }
    if (where.file() == null) {
      throw ApiException.notFound("deployment " + id + " has no deploy log");
    }
    try {
      // Written redacted by the run's redactor; the operator's secrets are masked again here.
      java.nio.file.Path file = java.nio.file.Path.of(where.file());
      if (!java.nio.file.Files.exists(file)) {
        throw ApiException.notFound(
            "the deploy log of deployment "
                + id
                + " is no longer on disk (older than sylvan.logs.max-age)");
      }
      return secrets.redactor().redact(LogFiles.readWithRotated(file));
    } catch (IOException e) {
      throw ApiException.notFound("the deploy log of deployment " + id + " cannot be read");
    }
  }

  private static long id(String idParam) {
    try {
      return Long.parseLong(idParam);
    } catch (NumberFormatException e) {
      throw ApiException.notFound("no deployment with id '" + idParam + "'");
    }
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
