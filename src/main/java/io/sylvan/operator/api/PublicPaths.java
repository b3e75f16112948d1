package io.sylvan.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.runtime.JsonTexts;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The path rules of what is readable without a token ({@code /status}, {@code /events}): every text
 * goes through {@link StatusPaths} built from the current configuration and specs, so no absolute
 * path of the operator's machine shows beyond the environments' target roots.
 */
@ApplicationScoped
public class PublicPaths {

  @Inject OperatorConfig config;
  @Inject SpecCatalog specs;

  /** Every text of the tree with its paths rewritten. */
  public JsonNode scrub(JsonNode tree) {
    return JsonTexts.map(tree, paths()::text);
  }

  StatusPaths paths() {
    Map<Path, String> named = new LinkedHashMap<>();
    named.put(config.dataDir(), "<data-dir>");
    if (config.specs().gitUrl().isEmpty()) {
      // The folder's own name: "directory deploy-specs", "deploy-specs/production.yaml".
      Path dir = config.specs().directory().toAbsolutePath().normalize();
      named.put(dir, dir.getFileName() == null ? "<spec-dir>" : dir.getFileName().toString());
    }
    config.pm2().home().ifPresent(h -> named.put(h, "<pm2-home>"));
    List<Path> roots = new ArrayList<>();
    specs
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
}
