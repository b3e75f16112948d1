package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.TestSpecs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A real Nginx (the Debian package; {@code .ci/run} installs it) in front of the fleet's nodes,
 * started as a child process with its own config, prefix, pid file, logs and temp dirs in {@code
 * dir}, and an open-loop load generator that sends through it at a fixed rate. The config is the
 * one docs/fleet.md recommends: the nodes as upstream servers, {@code proxy_next_upstream error
 * timeout http_502 http_503}.
 */
final class FleetNginx implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path dir;

  private FleetNginx(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** The nginx binary, when installed (Debian puts it in /usr/sbin, often not on PATH). */
  static Optional<Path> binary() {
    Stream<Path> candidates =
        Stream.concat(
            Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(s -> !s.isBlank())
                .map(s -> Path.of(s, "nginx")),
            Stream.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/local/sbin/nginx")));
    return candidates.filter(Files::isExecutable).findFirst();
  }

  /** Starts Nginx proxying to {@code upstreamPorts} on 127.0.0.1; waits until it listens. */
  static FleetNginx start(Path nginx, Path dir, List<Integer> upstreamPorts) throws IOException {
    Files.createDirectories(dir.resolve("logs"));
    int port = TestSpecs.freePort();
    StringBuilder servers = new StringBuilder();
    for (int p : upstreamPorts) {
      servers.append("    server 127.0.0.1:%d max_fails=1 fail_timeout=2s;\n".formatted(p));
    }
    String user =
        "root".equals(System.getProperty("user.name"))
            ? "user root;\n" // workers must write the temp dirs of this (private) temp folder
            : "";
    String conf =
        """
        %sdaemon off;
        master_process on;
        worker_processes 1;
        pid %s/nginx.pid;
        error_log %s/logs/error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          client_body_temp_path %s/client_body;
          proxy_temp_path %s/proxy;
          fastcgi_temp_path %s/fastcgi;
          uwsgi_temp_path %s/uwsgi;
          scgi_temp_path %s/scgi;
          upstream fleet {
        %s    keepalive 16;
          }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://fleet;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_next_upstream error timeout http_502 http_503;
              proxy_next_upstream_tries 3;
              proxy_connect_timeout 1s;
              proxy_read_timeout 10s;
            }
          }
        }
        """
            .formatted(user, dir, dir, dir, dir, dir, dir, dir, servers, port);
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Process p =
        new ProcessBuilder(
                nginx.toString(),
                "-p",
                dir.toString(),
                "-c",
                confFile.toString(),
                "-e",
                dir.resolve("logs/error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("logs/stdout.log").toFile())
            .start();
    FleetNginx n = new FleetNginx(p, port, dir);
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "nginx exited with " + p.exitValue() + ": " + Files.readString(confFile));
      }
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return n;
      } catch (IOException e) {
        OperatorProcess.sleep(100);
      }
    }
    n.close();
    throw new IllegalStateException("nginx did not listen on " + port + " within 15 s");
  }

  int port() {
    return port;
  }

  /** Starts sending GET {@code path} through Nginx at {@code perSecond}, until stopped. */
  Load load(String path, int perSecond) {
    return new Load(URI.create("http://127.0.0.1:" + port + path), perSecond);
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Open-loop load: requests leave on schedule whatever the answers take. */
  static final class Load implements AutoCloseable {
    private final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong outstanding = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private volatile long stopNanos;

    private Load(URI uri, int perSecond) {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
      timer.scheduleAtFixedRate(
          () -> {
            sent.incrementAndGet();
            outstanding.incrementAndGet();
            long t = System.nanoTime();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .whenComplete(
                    (r, e) -> {
                      if (e == null && r.statusCode() / 100 == 2) {
                        ok.incrementAndGet();
                      } else {
                        failures.add(
                            "+%dms %s"
                                .formatted(
                                    (t - startNanos) / 1_000_000,
                                    e == null ? "HTTP " + r.statusCode() : e.toString()));
                      }
                      outstanding.decrementAndGet();
                    });
          },
          0,
          1_000_000 / perSecond,
          TimeUnit.MICROSECONDS);
    }

    /** Stops sending and waits (at most 15 s) for the answers still outstanding. */
    @Override
    public void close() {
      if (stopNanos != 0) {
        return;
      }
      timer.shutdownNow();
      stopNanos = System.nanoTime();
      long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (outstanding.get() > 0 && System.nanoTime() < end) {
        OperatorProcess.sleep(50);
      }
    }

    boolean stopped() {
      return stopNanos != 0;
    }

    long sent() {
      return sent.get();
    }

    long succeeded() {
      return ok.get();
    }

    List<String> failures() {
      return new ArrayList<>(failures);
    }

    /** Requests sent per second over the load's life. */
    double rate() {
      long end = stopNanos == 0 ? System.nanoTime() : stopNanos;
      return sent.get() / ((end - startNanos) / 1e9);
    }

    @Override
    public String toString() {
      return "%d sent (%.0f/s), %d ok, %d failed %s"
          .formatted(
              sent(), rate(), succeeded(), failures.size(), failures().stream().limit(5).toList());
    }
  }

  Path dir() {
    return dir;
  }
}
