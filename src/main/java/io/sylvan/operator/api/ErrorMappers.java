package io.sylvan.operator.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every error JAX-RS itself produces (no such method on a path, 405, 406, 415, an unreadable body)
 * and every unexpected exception answers the documented {@link ApiError} JSON; parameters with
 * control characters are refused before a resource sees them. What Vert.x answers before JAX-RS
 * (unknown routes, 413, 414) is in {@link HttpErrorRoutes}.
 */
public class ErrorMappers {

  private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

  /**
   * A NUL or other control character in a path or query parameter is a 400 naming it: such a name
   * can never exist, and PostgreSQL refuses NUL in text (it was a 500). Runs after the token check.
   */
  @ServerRequestFilter
  public Optional<Response> rejectControlCharacters(UriInfo uri) {
    for (MultivaluedMap<String, String> params :
        List.of(uri.getPathParameters(), uri.getQueryParameters())) {
      for (Map.Entry<String, List<String>> p : params.entrySet()) {
        for (String value : p.getValue()) {
          if (value != null && Params.hasControlCharacter(value)) {
            return Optional.of(
                json(
                    ApiError.badParameter(
                        p.getKey(),
                        p.getKey()
                            + " must not contain a control character, got '"
                            + Params.shown(value)
                            + "'"),
                    null));
          }
        }
      }
    }
    return Optional.empty();
  }

  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e, ContainerRequestContext request) {
    Response original = e.getResponse();
    int status = original.getStatus();
    String path = Params.shown(request.getUriInfo().getPath());
    String what = request.getMethod() + " " + path;
    String message =
        switch (status) {
          case 404 -> "no route for " + what;
          case 405 -> request.getMethod() + " is not allowed on " + path;
          default -> e.getMessage() == null ? ApiError.reason(status) : e.getMessage();
        };
    if (status >= 500) {
      LOG.errorf(e, "%s failed", what);
    }
    return json(ApiError.of(status, message), original);
  }

  @ServerExceptionMapper
  public Response unexpected(Exception e, ContainerRequestContext request) {
    LOG.errorf(e, "%s %s failed", request.getMethod(), request.getUriInfo().getPath());
    return json(ApiError.of(500, "internal error; the operator's log has the details"), null);
  }

  /** The error as JSON, keeping the headers JAX-RS set (such as {@code Allow} on a 405). */
  static Response json(ApiError error, Response original) {
    Response.ResponseBuilder b = Response.status(error.status());
    if (original != null) {
      original
          .getHeaders()
          .forEach(
              (name, values) -> {
                if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)
                    && !name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
                  values.forEach(v -> b.header(name, v));
                }
              });
    }
    return b.type(MediaType.APPLICATION_JSON).entity(error).build();
  }
}
