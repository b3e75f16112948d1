package io.sylvan.operator.api;

import io.sylvan.operator.spec.SpecCatalog;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What runs where, and why: readable without a token. */
@Path("/status")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "status")
public class StatusResource {

  @Inject StatusService status;
  @Inject SpecCatalog specs;
  @Inject RolloutViews rollouts;

  @GET
  @Operation(summary = "Status of every environment and of the spec source")
  public StatusResponse all() {
    // Rollouts are read after the status transaction: the store commits its own connections.
    return new StatusResponse(
        specSource(),
        status.environments().stream()
            .map(e -> e.withRollout(rollouts.of(e.name()).orElse(null)))
            .toList());
  }

  @GET
  @Path("/{env}")
  @Operation(summary = "Status of one environment")
  public EnvironmentStatus one(@PathParam("env") String env) {
    return status
        .environment(env)
        .orElseThrow(() -> ApiException.notFound("no environment named '" + env + "'"))
        .withRollout(rollouts.of(env).orElse(null));
  }

  private StatusResponse.SpecSourceStatus specSource() {
    var snapshot = specs.current();
    var error = specs.lastError();
    return new StatusResponse.SpecSourceStatus(
        specs.sourceDescription(),
        snapshot.map(s -> s.revision()).orElse(null),
        snapshot.map(s -> s.loadedAt()).orElse(null),
        error.map(e -> e.message()).orElse(null),
        error.map(e -> e.at()).orElse(null));
  }
}
