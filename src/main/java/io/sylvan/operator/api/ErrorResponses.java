package io.sylvan.operator.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;

/**
 * Makes every operation of the API refer to the {@link ApiError} body of its 4xx and 5xx answers in
 * {@code /q/openapi}; the responses themselves are components declared on {@link OperatorApi} (the
 * schema comes from the class). Annotating each resource instead would drop the generated 200s.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ErrorResponses implements OASFilter {

  static final String CLIENT = "ClientError";
  static final String SERVER = "ServerError";

  @Override
  public void filterOpenAPI(OpenAPI openAPI) {
    if (openAPI.getPaths() == null) {
      return;
    }
    for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
      // Quarkus's own endpoints (/q/health, ...) answer with their own bodies.
      if (path.getKey().startsWith("/q/")) {
        continue;
      }
      for (Operation op : path.getValue().getOperations().values()) {
        if (op.getResponses() != null) {
          op.getResponses().addAPIResponse("4XX", ref(CLIENT));
          op.getResponses().addAPIResponse("5XX", ref(SERVER));
        }
      }
    }
  }

  private static org.eclipse.microprofile.openapi.models.responses.APIResponse ref(String name) {
    return OASFactory.createAPIResponse().ref(name);
  }
}
