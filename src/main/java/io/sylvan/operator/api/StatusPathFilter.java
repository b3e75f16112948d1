package io.sylvan.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.runtime.JsonTexts;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /status} is readable without a token: every text in it (condition messages, errors, the
 * spec source) goes through {@link StatusPaths}, so it shows no absolute path of the operator's
 * machine beyond the environments' target roots. The declared response types (and so the OpenAPI
 * description) stay as they are; only the serialized values change.
 */
@Provider
public class StatusPathFilter implements ContainerResponseFilter {

  // Providers: JAX-RS filters are built at static init, before runtime config and beans exist.
  @Inject jakarta.inject.Provider<OperatorConfig> config;
  @Inject jakarta.inject.Provider<SpecCatalog> specs;
  @Inject jakarta.inject.Provider<ObjectMapper> mapper;

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    String path = request.getUriInfo().getPath();
    Object entity = response.getEntity();
    if (entity == null || !(path.equals("/status") || path.startsWith("/status/"))) {
      return;
    }
    JsonNode tree = mapper.get().valueToTree(entity);
    response.setEntity(scrub(tree, paths()));
  }

  private StatusPaths paths() {
    OperatorConfig c = config.get();
    Map<Path, String> named = new LinkedHashMap<>();
    named.put(c.dataDir(), "<data-dir>");
    if (c.specs().gitUrl().isEmpty()) {
      // The folder's own name: "directory deploy-specs", "deploy-specs/production.yaml".
      Path dir = c.specs().directory().toAbsolutePath().normalize();
      named.put(dir, dir.getFileName() == null ? "<spec-dir>" : dir.getFileName().toString());
    }
    c.pm2().home().ifPresent(h -> named.put(h, "<pm2-home>"));
    List<Path> roots = new ArrayList<>();
    specs
        .get()
        .current()
        .ifPresent(
            s -> {
              s.valid().values().forEach(d -> roots.add(root(d)));
              s.elsewhere().values().forEach(d -> roots.add(root(d)));
            });
    return new StatusPaths(named, roots);
  }

  private static Path root(DeploySpec d) {
    return d.spec().target().root();
  }

  static JsonNode scrub(JsonNode node, StatusPaths paths) {
    return JsonTexts.map(node, paths::text);
  }
}
