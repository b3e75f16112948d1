package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.health.Liveness;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker/ checked statically: no Docker engine runs on the machines this is developed on, so the
 * images were never built. What can be checked without one is checked here.
 */
class DockerFilesTest {

  static final Path DOCKER = Path.of("docker");

  /** Instructions with continuation lines joined, comments dropped. */
  static List<String> instructions(Path dockerfile) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(dockerfile)) {
      String line = raw.strip();
      if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      out.add(current.toString());
      current.setLength(0);
    }
    return out;
  }

  static List<String> withKeyword(List<String> instructions, String keyword) {
    return instructions.stream().filter(i -> i.startsWith(keyword + " ")).toList();
  }

  static void assertCommonRules(List<String> ins) {
    assertThat(withKeyword(ins, "EXPOSE")).containsExactly("EXPOSE 8080");
    List<String> users = withKeyword(ins, "USER");
    assertThat(users).as("a USER instruction").isNotEmpty();
    String lastUser = users.get(users.size() - 1).substring("USER ".length()).strip();
    assertThat(lastUser).as("the user the container runs as").isNotIn("root", "0", "0:0");
    // The last USER comes after the last RUN: nothing runs as root at run time.
    assertThat(ins.lastIndexOf(users.get(users.size() - 1)))
        .isGreaterThan(ins.lastIndexOf(withKeyword(ins, "RUN").get(0)));
    List<String> health = withKeyword(ins, "HEALTHCHECK");
    assertThat(health).hasSize(1);
    assertThat(health.get(0)).contains("/q/health/live").contains("8080");
    String run = String.join("\n", withKeyword(ins, "RUN"));
    assertThat(run)
        .as("node 20, npm, git and pm2 7.0.4 are installed for the operator to drive")
        .contains("nodejs:20")
        .contains("npm")
        .contains("git")
        .contains("pm2@7.0.4");
    assertEnvKeysAreConfig(withKeyword(ins, "ENV"));
  }

  static void assertEnvKeysAreConfig(List<String> envInstructions) {
    Pattern assignment = Pattern.compile("(SYLVAN_[A-Z0-9_]+|QUARKUS_[A-Z0-9_]+)=");
    Map<String, String> known = ConfigKeys.byEnvName();
    for (String env : envInstructions) {
      Matcher m = assignment.matcher(env);
      while (m.find()) {
        assertThat(known).as("config key for " + m.group(1)).containsKey(m.group(1));
      }
    }
  }

  /** The instructions of a single-stage Dockerfile whose base image starts with {@code image}. */
  static List<String> dockerfileFrom(String file, String image) throws IOException {
    List<String> ins = instructions(DOCKER.resolve(file));
    assertThat(withKeyword(ins, "FROM")).singleElement().asString().startsWith("FROM " + image);
    return ins;
  }

  @Test
  void jvmImageFollowsTheFastJarLayout() throws IOException {
    List<String> ins =
        dockerfileFrom("Dockerfile.jvm", "registry.access.redhat.com/ubi9/openjdk-17-runtime:");
    assertThat(withKeyword(ins, "COPY"))
        .anyMatch(c -> c.contains("target/quarkus-app/lib/ /deployments/lib/"))
        .anyMatch(c -> c.contains("target/quarkus-app/*.jar /deployments/"))
        .anyMatch(c -> c.contains("target/quarkus-app/app/ /deployments/app/"))
        .anyMatch(c -> c.contains("target/quarkus-app/quarkus/ /deployments/quarkus/"));
    assertThat(String.join("\n", ins)).contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"");
    assertCommonRules(ins);
  }

  @Test
  void nativeImageRunsTheRunnerOnUbiMinimal() throws IOException {
    List<String> ins =
        dockerfileFrom("Dockerfile.native", "registry.access.redhat.com/ubi9/ubi-minimal:");
    assertThat(withKeyword(ins, "COPY"))
        .singleElement()
        .asString()
        .contains("target/*-runner /work/application");
    assertThat(withKeyword(ins, "ENTRYPOINT")).singleElement().asString().contains("application");
    assertCommonRules(ins);
  }

  @Test
  void imagesListenOnEveryInterfaceWhereThePackagedDefaultIsLoopback() throws IOException {
    Properties props = new Properties();
    try (var in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
      props.load(in);
    }
    assertThat(props.getProperty("%prod.quarkus.http.host")).isEqualTo("127.0.0.1");
    // Inside a container loopback is unreachable from a published port: the images override it.
    assertThat(String.join("\n", instructions(DOCKER.resolve("Dockerfile.jvm"))))
        .contains("-Dquarkus.http.host=0.0.0.0");
    assertThat(withKeyword(instructions(DOCKER.resolve("Dockerfile.native")), "ENTRYPOINT"))
        .singleElement()
        .asString()
        .contains("-Dquarkus.http.host=0.0.0.0");
  }

  @Test
  void healthCheckPathExistsInTheApp() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom).contains("<artifactId>quarkus-smallrye-health</artifactId>");
    Properties props = new Properties();
    try (var in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
      props.load(in);
    }
    // /q/health/live holds only with the default roots.
    assertThat(props.stringPropertyNames())
        .noneMatch(k -> k.endsWith("quarkus.http.root-path"))
        .noneMatch(k -> k.endsWith("quarkus.http.non-application-root-path"))
        .noneMatch(k -> k.endsWith("quarkus.smallrye-health.root-path"))
        .noneMatch(k -> k.endsWith("quarkus.smallrye-health.liveness-path"));
    assertThat(props.getProperty("quarkus.http.port")).isEqualTo("8080");
    Class<?> loopCheck = Class.forName("io.sylvan.operator.health.ReconcileLoopHealthCheck");
    assertThat(loopCheck.isAnnotationPresent(Liveness.class)).isTrue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsPostgres15AndTheOperatorWithRealConfigKeys() throws IOException {
    Map<String, Object> compose =
        new Yaml(new SafeConstructor(new LoaderOptions()))
            .load(Files.readString(DOCKER.resolve("compose.yaml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    assertThat(services).containsOnlyKeys("postgres", "operator");

    Map<String, Object> postgres = (Map<String, Object>) services.get("postgres");
    assertThat(postgres.get("image")).isEqualTo("postgres:15");
    assertThat((List<String>) postgres.get("volumes"))
        .anyMatch(v -> v.endsWith(":/var/lib/postgresql/data"));
    assertThat((Map<String, Object>) postgres.get("healthcheck")).containsKey("test");
    assertThat(compose.get("volumes").toString()).contains("pgdata");

    Map<String, Object> operator = (Map<String, Object>) services.get("operator");
    Map<String, Object> build = (Map<String, Object>) operator.get("build");
    assertThat(build.get("dockerfile")).isEqualTo("docker/Dockerfile.jvm");
    assertThat((Map<String, Object>) operator.get("depends_on"))
        .containsEntry("postgres", Map.of("condition", "service_healthy"));

    Map<String, Object> env = (Map<String, Object>) operator.get("environment");
    assertThat(env)
        .containsKeys(
            "QUARKUS_DATASOURCE_JDBC_URL",
            "QUARKUS_DATASOURCE_USERNAME",
            "QUARKUS_DATASOURCE_PASSWORD",
            "SYLVAN_AUTH_TOKEN",
            "SYLVAN_AUTH_WEBHOOK_SECRET");
    Map<String, String> known = ConfigKeys.byEnvName();
    for (String name : env.keySet()) {
      assertThat(known).as("a configuration key for " + name).containsKey(name);
    }
    // Secrets come from the environment of docker compose, never literally from this file.
    for (String secret :
        List.of("QUARKUS_DATASOURCE_PASSWORD", "SYLVAN_AUTH_TOKEN", "SYLVAN_AUTH_WEBHOOK_SECRET")) {
      assertThat(String.valueOf(env.get(secret))).startsWith("${");
    }
    assertThat(String.valueOf(env.get("QUARKUS_DATASOURCE_JDBC_URL")))
        .startsWith("jdbc:postgresql://postgres:5432/");

    List<String> volumes = (List<String>) operator.get("volumes");
    String dataDir = String.valueOf(env.get("SYLVAN_DATA_DIR"));
    assertThat(volumes)
        .anyMatch(v -> v.endsWith(":/srv/sylvan"))
        .anyMatch(v -> v.endsWith(":" + dataDir));
    assertThat((List<String>) operator.get("ports")).contains("127.0.0.1:8080:8080");
  }
}
