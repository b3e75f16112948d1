package io.sylvan.operator.api;

import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.spec.SpecLookup;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Control of an environment's active fleet rollout; every action needs the bearer token and answers
 * the rollout as {@code /status/{env}} shows it.
 */
@Path("/environments/{env}/rollout")
@Produces(MediaType.APPLICATION_JSON)
@RequiresToken
@Tag(name = "environments")
@SecurityRequirement(name = "bearer")
public class RolloutResource {

  @Inject RolloutStore store;
  @Inject RolloutViews views;
  @Inject SpecCatalog specs;
  @Inject StatusService status;

  @POST
  @Path("/pause")
  @Operation(summary = "Stop admitting nodes to the active rollout (nodes updating finish)")
  public RolloutView pause(@PathParam("env") String env) {
    return control(env, "pause", () -> store.pause(env));
  }

  @POST
  @Path("/resume")
  @Operation(summary = "Admit nodes to a paused rollout again")
  public RolloutView resume(@PathParam("env") String env) {
    return control(env, "resume", () -> store.resume(env));
  }

  @POST
  @Path("/abort")
  @Operation(
      summary =
          "Stop the active rollout as a failure would: no further node starts; with autoRevert"
              + " the nodes that switched go back")
  public RolloutView abort(@PathParam("env") String env) {
    return control(env, "abort", () -> store.abort(env, "a person (API)"));
  }

  private RolloutView control(
      String env, String verb, RolloutViews.Read<Optional<RolloutState>> call) {
    known(env);
    Optional<RolloutState> changed;
    try {
      changed = views.read(call);
    } catch (IllegalStateException refused) {
      // The store refuses a transition the phase does not allow (e.g. pausing a reverting one).
      throw ApiException.conflict("cannot " + verb + ": " + refused.getMessage());
    }
    return views.view(
        changed.orElseThrow(
            () ->
                ApiException.conflict(
                    "cannot " + verb + ": " + env + " has no active rollout" + latest(env))));
  }

  private String latest(String env) {
    return views
        .of(env)
        .map(r -> " (the latest, #" + r.id() + " of " + r.commit() + ", is " + r.phase() + ")")
        .orElse("");
  }

  /**
   * 404 unless a spec names the environment (on any node), a node has state for it, or it had a
   * rollout.
   */
  private void known(String env) {
    SpecLookup lookup = SpecLookup.of(specs.current(), env);
    boolean named =
        lookup.found()
            || lookup.invalid()
            || specs.current().flatMap(s -> s.anyNode(env)).isPresent();
    if (!named && status.environment(env).isEmpty() && views.of(env).isEmpty()) {
      throw ApiException.notFound("no environment named '" + env + "'");
    }
  }
}
