package io.sylvan.operator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * {@code /status} is readable without a token: every text in it (condition messages, errors, the
 * spec source) goes through {@link PublicPaths}, so it shows no absolute path of the operator's
 * machine beyond the environments' target roots. The declared response types (and so the OpenAPI
 * description) stay as they are; only the serialized values change.
 */
@Provider
public class StatusPathFilter implements ContainerResponseFilter {

  // Providers: JAX-RS filters are built at static init, before runtime config and beans exist.
  @Inject jakarta.inject.Provider<PublicPaths> paths;
  @Inject jakarta.inject.Provider<ObjectMapper> mapper;

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    String path = request.getUriInfo().getPath();
    Object entity = response.getEntity();
    if (entity == null || !(path.equals("/status") || path.startsWith("/status/"))) {
      return;
    }
    response.setEntity(paths.get().scrub(mapper.get().valueToTree(entity)));
  }
}
