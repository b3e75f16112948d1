package io.sylvan.operator.api;

import io.sylvan.operator.config.OperatorConfig;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Checks the bearer token of {@link RequiresToken} endpoints in constant time. Without a configured
 * token every such call is refused: the operator never runs open.
 */
@Provider
@RequiresToken
@Priority(Priorities.AUTHENTICATION)
public class TokenFilter implements ContainerRequestFilter {

  // A provider: JAX-RS filters are built at static init, before runtime config exists.
  @Inject jakarta.inject.Provider<OperatorConfig> config;

  @Override
  public void filter(ContainerRequestContext request) {
    Optional<String> expected = config.get().auth().token().filter(t -> !t.isBlank());
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    String given =
        header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).trim()
            : null;
    if (expected.isEmpty()) {
      abort(request, "no token is configured (sylvan.auth.token): mutating endpoints are disabled");
    } else if (given == null) {
      abort(request, "missing bearer token");
    } else if (!matches(config.get(), given)) {
      abort(request, "wrong bearer token");
    }
  }

  /**
   * Whether {@code given} is the configured API token, compared in constant time; never when no
   * token is configured (the dashboard's sign-in checks the same way).
   */
  public static boolean matches(OperatorConfig config, String given) {
    Optional<String> expected = config.auth().token().filter(t -> !t.isBlank());
    return expected.isPresent()
        && given != null
        && MessageDigest.isEqual(
            expected.get().getBytes(StandardCharsets.UTF_8),
            given.getBytes(StandardCharsets.UTF_8));
  }

  private static void abort(ContainerRequestContext request, String message) {
    request.abortWith(
        Response.status(Response.Status.UNAUTHORIZED)
            .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sylvan-operator\"")
            .type(MediaType.APPLICATION_JSON)
            .entity(new ApiError(401, "Unauthorized", message, null))
            .build());
  }
}
