package io.sylvan.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecDefaults;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every field of the spec model is documented in docs/spec-reference.md. */
class SpecReferenceTest {

  static final Path REFERENCE = Path.of("docs/spec-reference.md");

  /**
   * Record components that are not keys of the spec file: computed by the parser. Each is checked
   * to be absent from the example spec, which sets every key.
   */
  static final Map<String, String> DERIVED =
      Map.of(
          "sourceFile", "sourceFile",
          "spec.process.maxMemoryRestartBytes", "maxMemoryRestartBytes",
          // A rollout amount is written "2" or "25%", never as its two parts.
          "spec.rollout.canary.value", "value",
          "spec.rollout.canary.percent", "percent",
          "spec.rollout.maxParallel.value", "value",
          "spec.rollout.maxParallel.percent", "percent");

  /** Paths of every component, depth first: metadata, metadata.name, ..., spec.source.commit. */
  static List<String> paths(Class<?> record, String prefix) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : record.getRecordComponents()) {
      String path = prefix.isEmpty() ? c.getName() : prefix + "." + c.getName();
      out.add(path);
      if (c.getType().isRecord()) {
        out.addAll(paths(c.getType(), path));
      }
    }
    return out;
  }

  @Test
  void everySpecFieldIsInTheReference() throws IOException {
    String doc = Files.readString(REFERENCE);
    List<String> paths = paths(DeploySpec.class, "");
    assertThat(paths)
        .contains("spec.source.commit", "spec.process.instances", "spec.reconcile.mode");
    List<String> missing = new ArrayList<>();
    for (String path : paths) {
      if (!DERIVED.containsKey(path) && !doc.contains("`" + path + "`")) {
        missing.add(path);
      }
    }
    assertThat(missing).as("spec fields missing from " + REFERENCE).isEmpty();
  }

  @Test
  void derivedComponentsAreNotSpecKeys() throws IOException {
    String example = Files.readString(Path.of("deploy-specs/production.yaml"));
    for (String key : DERIVED.values()) {
      assertThat(Pattern.compile("(?m)^\\s*#?\\s*" + key + ":").matcher(example).find())
          .as(key + " is not a key of the spec file")
          .isFalse();
    }
  }

  @Test
  void everyDefaultAndLimitIsNamedInTheReference() throws Exception {
    // The reference states each default; its constant name is cited so the two stay linked.
    String doc = Files.readString(REFERENCE);
    List<String> missing = new ArrayList<>();
    for (Field f : SpecDefaults.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())
          && Modifier.isPublic(f.getModifiers())
          && !doc.contains(f.getName())) {
        missing.add(f.getName());
      }
    }
    assertThat(missing).as("SpecDefaults constants not cited in " + REFERENCE).isEmpty();
  }
}
