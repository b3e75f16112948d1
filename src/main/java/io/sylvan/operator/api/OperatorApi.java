package io.sylvan.operator.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The REST API as a whole: it serves every resource (no path prefix), and declares the error
 * responses {@link ErrorResponses} attaches to each operation (SmallRye OpenAPI reads {@code
 * OpenAPIDefinition} from the Application class). Title and version come from the configuration.
 */
@OpenAPIDefinition(
    info = @Info(title = "Sylvan Operator API", version = "1"),
    components =
        @Components(
            responses = {
              @APIResponse(
                  name = ErrorResponses.CLIENT,
                  description =
                      "Refused: a bad parameter, an unknown environment or deployment, no token",
                  content =
                      @Content(
                          mediaType = "application/json",
                          schema = @Schema(implementation = ApiError.class))),
              @APIResponse(
                  name = ErrorResponses.SERVER,
                  description = "The operator could not answer (its database is down, ...)",
                  content =
                      @Content(
                          mediaType = "application/json",
                          schema = @Schema(implementation = ApiError.class)))
            }))
public class OperatorApi extends Application {}
