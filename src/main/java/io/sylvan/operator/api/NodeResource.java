package io.sylvan.operator.api;

import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.fleet.NodeInfo;
import io.sylvan.operator.fleet.NodeRegistry;
import io.sylvan.operator.state.DatabaseMigration;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The nodes of the fleet and their leases: readable without a token. */
@Path("/nodes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "nodes")
public class NodeResource {

  @Inject NodeRegistry nodes;
  @Inject OperatorSecrets secrets;

  @GET
  @Operation(summary = "Every node: labels, operator version, lease age, Ready by the database")
  public List<NodeInfo> all() {
    try {
      return nodes.list();
    } catch (SQLException e) {
      throw new ApiException(
          ApiError.of(
              503,
              "the database did not answer: "
                  + secrets.redactor().redactForPublic(DatabaseMigration.rootMessage(e))));
    }
  }
}
