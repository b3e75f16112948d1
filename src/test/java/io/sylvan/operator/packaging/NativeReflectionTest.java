package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.sylvan.operator.NativeReflection;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What a native image needs: every JSON record and spec record registered, resources included. */
class NativeReflectionTest {

  static Set<Class<?>> registered() {
    return Set.of(NativeReflection.class.getAnnotation(RegisterForReflection.class).targets());
  }

  /** Every class (top-level and nested) of a package, from the compiled classes on disk. */
  static List<Class<?>> classesOf(String pkg) throws IOException, URISyntaxException {
    // The main classes' own folder: the test classes have packages of the same names.
    URL url = NativeReflection.class.getProtectionDomain().getCodeSource().getLocation();
    Path dir = Path.of(url.toURI()).resolve(pkg.replace('.', '/'));
    assertThat(dir).as(pkg + " among the compiled main classes").isDirectory();
    List<Class<?>> classes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".class")) {
          try {
            classes.add(Class.forName(pkg + "." + name.substring(0, name.length() - 6)));
          } catch (ClassNotFoundException | LinkageError e) {
            throw new AssertionError("cannot load " + name, e);
          }
        }
      }
    }
    return classes;
  }

  static void nestedRecords(Class<?> type, List<Class<?>> out) {
    for (Class<?> nested : type.getDeclaredClasses()) {
      if (nested.isRecord() || nested.isEnum()) {
        out.add(nested);
      }
      nestedRecords(nested, out);
    }
  }

  @Test
  void everyApiRecordIsRegistered() throws Exception {
    List<Class<?>> records =
        classesOf("io.sylvan.operator.api").stream().filter(Class::isRecord).toList();
    assertThat(records).hasSizeGreaterThanOrEqualTo(10);
    assertThat(registered()).containsAll(records);
  }

  @Test
  void everyRecordAnApiResourceAnswersWithIsRegisteredWhateverItsPackage() throws Exception {
    List<Class<?>> answered = new ArrayList<>();
    for (Class<?> resource : classesOf("io.sylvan.operator.api")) {
      for (java.lang.reflect.Method m : resource.getDeclaredMethods()) {
        // Endpoints only: methods with GET, POST, ... (annotations marked @HttpMethod).
        if (java.util.Arrays.stream(m.getAnnotations())
            .noneMatch(
                a -> a.annotationType().isAnnotationPresent(jakarta.ws.rs.HttpMethod.class))) {
          continue;
        }
        answered.add(m.getReturnType());
        if (m.getGenericReturnType() instanceof java.lang.reflect.ParameterizedType p) {
          for (java.lang.reflect.Type t : p.getActualTypeArguments()) {
            if (t instanceof Class<?> c) {
              answered.add(c);
            }
          }
        }
      }
    }
    List<Class<?>> records = answered.stream().filter(Class::isRecord).distinct().toList();
    assertThat(records).contains(io.sylvan.operator.fleet.NodeInfo.class);
    assertThat(registered()).containsAll(records);
  }

  @Test
  void theSpecModelIsRegistered() {
    List<Class<?>> model = new ArrayList<>(List.of(DeploySpec.class));
    nestedRecords(DeploySpec.class, model);
    assertThat(model).contains(DeploySpec.Reconcile.Mode.class, DeploySpec.HealthCheck.class);
    assertThat(registered()).containsAll(model);
  }

  @Test
  void everyDashboardViewIsRegistered() {
    List<Class<?>> views = new ArrayList<>();
    nestedRecords(io.sylvan.operator.ui.UiViews.class, views);
    assertThat(views).contains(io.sylvan.operator.ui.UiViews.EnvRow.class);
    assertThat(registered()).containsAll(views);
  }

  @Test
  void pipelineAndStateJsonAreRegistered() throws Exception {
    assertThat(registered())
        .contains(
            io.sylvan.operator.pipeline.HealthReport.class,
            io.sylvan.operator.pipeline.HealthReport.Metrics.class,
            io.sylvan.operator.state.Condition.class);
    List<Class<?>> wireEnums =
        classesOf("io.sylvan.operator.state").stream()
            .filter(Class::isEnum)
            .filter(io.sylvan.operator.state.WireEnum.class::isAssignableFrom)
            .toList();
    assertThat(registered()).containsAll(wireEnums);
  }

  @Test
  void nativeResourcesAreIncluded() throws IOException {
    Properties props = new Properties();
    try (var in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
      props.load(in);
    }
    assertThat(props.getProperty("quarkus.native.resources.includes"))
        .isEqualTo(
            "launcher/**,operator/**,db/migration/**,ui/**,"
                + "META-INF/resources/webjars/htmx.org/**,"
                + "META-INF/resources/webjars/htmx-ext-sse/**,"
                + "META-INF/maven/org.webjars.npm/**");
    ClassLoader cl = NativeReflection.class.getClassLoader();
    assertThat(cl.getResource("launcher/sylvan-launcher.js")).isNotNull();
    assertThat(cl.getResource("operator/ecosystem.config.js")).isNotNull();
    assertThat(cl.getResource("db/migration")).isNotNull();
    assertThat(cl.getResource("ui/dashboard.css")).isNotNull();
    assertThat(cl.getResource("META-INF/resources/webjars/htmx.org")).isNotNull();
    assertThat(cl.getResource("META-INF/resources/webjars/htmx-ext-sse")).isNotNull();
  }
}
