package io.sylvan.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.pipeline.TestSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator ({@code target/quarkus-app/quarkus-run.jar}, given by failsafe as {@code
 * operator.jar}) run as a subprocess: its settings as environment variables, a free HTTP port, its
 * output appended to a log file under {@code target/it-logs}, stopped with SIGTERM or kill -9.
 */
public final class OperatorProcess implements AutoCloseable {

  static final String TOKEN = "it-token";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private final String name;
  private final Map<String, String> env;
  private final int port;
  private final Path log;
  private Process process;

  /** {@code settings}: SYLVAN_* and QUARKUS_* variables on top of this JVM's environment. */
  public OperatorProcess(String name, Map<String, String> settings) {
    this.name = name;
    this.port = TestSpecs.freePort();
    this.log = Path.of("target", "it-logs", name + ".log").toAbsolutePath();
    this.env = new HashMap<>();
    System.getenv().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("SYLVAN_") && !e.getKey().startsWith("QUARKUS_"))
        .filter(e -> !e.getKey().equals("PM2_HOME"))
        .forEach(e -> env.put(e.getKey(), e.getValue()));
    env.put("SYLVAN_AUTH_TOKEN", TOKEN);
    env.putAll(settings);
    env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
  }

  /** Starts the operator and waits until {@code /q/health/ready} answers 200. */
  public OperatorProcess start() {
    startNoWait();
    awaitReady(Duration.ofSeconds(90));
    return this;
  }

  public void startNoWait() {
    String jar = System.getProperty("operator.jar", "target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(Path.of(jar))) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw package first");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-Xms16m",
            "-Xmx128m",
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=24m",
            "-XX:MaxMetaspaceSize=128m",
            "-Xss256k",
            // the run's own temp dir (under target/, emptied at the end), never the machine's /tmp
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
            "-jar"));
    cmd.add(jar);
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "==== starting " + name + " on port " + port + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().clear();
      pb.environment().putAll(env);
      pb.environment().putIfAbsent("TMPDIR", System.getProperty("java.io.tmpdir"));
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void awaitReady(Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + "; see " + log);
      }
      if (status("/q/health/ready") == 200) {
        return;
      }
      sleep(300);
    }
    throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
  }

  /** SIGTERM, then waits for the exit. */
  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor(Duration.ofSeconds(30));
    }
  }

  /** SIGTERM; the seconds until the process exited (killed with -9 after 60 s). */
  public double stopAndTime() {
    long t0 = System.nanoTime();
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** kill -9: no shutdown hook, no chance to record anything. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.toHandle().destroyForcibly();
      waitFor(Duration.ofSeconds(10));
    }
  }

  private void waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public int port() {
    return port;
  }

  public Path log() {
    return log;
  }

  // --- HTTP

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public int status(String path) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).GET());
    return r == null ? -1 : r.statusCode();
  }

  public JsonNode json(String path) {
    HttpResponse<String> r = get(path);
    if (r == null) {
      return null;
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      return null;
    }
  }

  /** A POST with the bearer token; null when the operator does not answer. */
  public HttpResponse<String> post(String path) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** The environment as {@code GET /status} shows it, or null. */
  public JsonNode environment(String env) {
    JsonNode s = json("/status");
    if (s == null || !s.has("environments")) {
      return null;
    }
    for (JsonNode e : s.get("environments")) {
      if (env.equals(e.path("name").asText())) {
        return e;
      }
    }
    return null;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return HTTP.send(
          b.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
