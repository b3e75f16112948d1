package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real pm2 7 with its own PM2_HOME; never the user's daemon. */
class Pm2Test {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static final String SERVER_JS =
      """
      const http = require('http');
      const server = http.createServer((req, res) => res.end(String(process.env.SYLVAN_COMMIT)));
      server.listen(Number(process.env.PORT), () => { if (process.send) process.send('ready'); });
      process.on('SIGINT', () => server.close(() => process.exit(0)));
      """;

  @TempDir static Path pm2Home;
  @TempDir Path appDir;

  private static Pm2 pm2;

  @BeforeAll
  static void startClient() {
    pm2 = TestTools.pm2(pm2Home);
  }

  @AfterAll
  static void killDaemon() {
    if (pm2 != null) {
      pm2.killDaemon();
    }
  }

  @Test
  void reportsItsVersion() {
    assertThat(pm2.version()).isEqualTo(TestTools.PM2_VERSION);
  }

  @Test
  void startsAClusterAppAndReloadsItWithANewCommit() throws Exception {
    int port = freePort();
    Path ecosystem =
        writeApp(
            "rt-web",
            "server.js",
            SERVER_JS,
            "exec_mode: 'cluster', instances: 2, wait_ready: true, listen_timeout: 15000,"
                + " kill_timeout: 3000");

    CommandResult started = pm2.startOrReload(ecosystem, "rt-web", env(port, "commit-1"), TIMEOUT);
    System.out.printf("pm2 startOrReload (start, cluster x2) took %d ms%n", ms(started));
    assertThat(started.ok()).as(started.describe()).isTrue();

    List<Pm2Process> web = Pm2Process.byName(pm2.jlist(), "rt-web");
    assertThat(web).hasSize(2).allMatch(Pm2Process::online);
    assertThat(web)
        .allSatisfy(
            p -> {
              assertThat(p.pmCwd()).isEqualTo(appDir.toString());
              assertThat(p.execMode()).isEqualTo("cluster_mode");
              assertThat(p.instances()).isEqualTo(2);
              assertThat(p.env()).containsEntry("SYLVAN_COMMIT", "commit-1");
              assertThat(p.env()).containsEntry("PORT", String.valueOf(port));
              assertThat(p.createdAt()).isNotNull();
            });
    assertThat(get(port)).isEqualTo("commit-1");

    CommandResult reloaded = pm2.reload("rt-web", Map.of("SYLVAN_COMMIT", "commit-2"), TIMEOUT);
    System.out.printf("pm2 reload --update-env (cluster x2) took %d ms%n", ms(reloaded));
    assertThat(reloaded.ok()).as(reloaded.describe()).isTrue();
    web = Pm2Process.byName(pm2.jlist(), "rt-web");
    assertThat(web)
        .hasSize(2)
        .allSatisfy(
            p -> {
              assertThat(p.online()).isTrue();
              assertThat(p.env()).containsEntry("SYLVAN_COMMIT", "commit-2");
              // restart_time counts reloads too; only unstable_restarts means crashing.
              assertThat(p.restartTime()).isEqualTo(1);
              assertThat(p.unstableRestarts()).isZero();
            });
    assertThat(get(port)).isEqualTo("commit-2");

    CommandResult again = pm2.startOrReload(ecosystem, "rt-web", env(port, "commit-3"), TIMEOUT);
    System.out.printf("pm2 startOrReload (reload, cluster x2) took %d ms%n", ms(again));
    assertThat(Pm2Process.byName(pm2.jlist(), "rt-web"))
        .hasSize(2)
        .allSatisfy(p -> assertThat(p.env()).containsEntry("SYLVAN_COMMIT", "commit-3"));
    assertThat(get(port)).isEqualTo("commit-3");

    assertThat(pm2.delete("rt-web").ok()).isTrue();
    assertThat(Pm2Process.byName(pm2.jlist(), "rt-web")).isEmpty();
  }

  @Test
  void secretEnvVarsOfTheProcessDoNotAppearInItsReportedEnv() {
    int port = freePort();
    Path ecosystem = writeApp("rt-secret", "server.js", SERVER_JS, "exec_mode: 'fork'");
    Map<String, String> env =
        Map.of(
            "PORT", String.valueOf(port),
            "SYLVAN_COMMIT", "commit-s",
            "DATABASE_URL", "postgres://app:sup3rsecret@db/app",
            "API_TOKEN", "tok-sup3rsecret");

    CommandResult started = pm2.start(ecosystem, "rt-secret", env, TIMEOUT);
    assertThat(started.ok()).as(started.describe()).isTrue();

    Pm2Process process = Pm2Process.byName(pm2.jlist(), "rt-secret").get(0);
    assertThat(process.env()).containsEntry("SYLVAN_COMMIT", "commit-s");
    assertThat(process.env()).doesNotContainKeys("DATABASE_URL", "API_TOKEN", "PATH", "HOME");
    assertThat(process.toString()).doesNotContain("sup3rsecret");

    pm2.stop("rt-secret");
    assertThat(Pm2Process.byName(pm2.jlist(), "rt-secret").get(0).status())
        .isEqualTo(Pm2Process.Status.STOPPED);
    pm2.delete("rt-secret");
  }

  @Test
  void anAppThatCrashesOnStartShowsErroredOrRisingUnstableRestarts() {
    Path ecosystem =
        writeApp(
            "rt-crash",
            "crash.js",
            "throw new Error('boom: cannot start');\n",
            "exec_mode: 'fork', min_uptime: 5000, max_restarts: 3");

    CommandResult started = pm2.start(ecosystem, "rt-crash", Map.of(), TIMEOUT);
    // Measured: pm2 reports success (exit 0) for an app that dies right away.
    System.out.printf(
        "pm2 start of a crashing app exited %d after %d ms%n", started.exitCode(), ms(started));

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> Pm2Process.byName(pm2.jlist(), "rt-crash").get(0).crashing());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () ->
                Pm2Process.byName(pm2.jlist(), "rt-crash").get(0).status()
                    == Pm2Process.Status.ERRORED);
    Pm2Process crash = Pm2Process.byName(pm2.jlist(), "rt-crash").get(0);
    System.out.printf(
        "crashing app: status=%s unstable_restarts=%d restart_time=%d%n",
        crash.status().wire(), crash.unstableRestarts(), crash.restartTime());
    pm2.delete("rt-crash");
  }

  @Test
  void withARestartDelayACrashLoopEndsStuckInWaitingRestart() throws Exception {
    // Documents a pm2 7.0.4 quirk (God.handleExit): giving up sets 'errored', then the
    // restart_delay branch overwrites it with 'waiting restart' and no restart is scheduled.
    Path ecosystem =
        writeApp(
            "rt-delay",
            "crash.js",
            "throw new Error('boom');\n",
            "exec_mode: 'fork', min_uptime: 5000, max_restarts: 2, restart_delay: 100");
    pm2.start(ecosystem, "rt-delay", Map.of(), TIMEOUT);

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> Pm2Process.byName(pm2.jlist(), "rt-delay").get(0).restartTime() >= 1);
    Thread.sleep(2000);
    Pm2Process stuck = Pm2Process.byName(pm2.jlist(), "rt-delay").get(0);
    Thread.sleep(1000);
    Pm2Process later = Pm2Process.byName(pm2.jlist(), "rt-delay").get(0);
    assertThat(later.status()).isEqualTo(Pm2Process.Status.WAITING_RESTART);
    assertThat(later.unstableRestarts()).isZero();
    assertThat(later.restartTime()).isEqualTo(stuck.restartTime());
    pm2.delete("rt-delay");
  }

  private Path writeApp(String name, String script, String code, String options) {
    try {
      Files.writeString(appDir.resolve(script), code);
      Path ecosystem = appDir.resolve("ecosystem.config.js");
      Files.writeString(
          ecosystem,
          """
          module.exports = { apps: [{
            name: '%s', script: '%s', cwd: __dirname, %s,
            env: { NODE_ENV: 'production', PORT: process.env.PORT,
                   SYLVAN_COMMIT: process.env.SYLVAN_COMMIT },
          }] };
          """
              .formatted(name, script, options));
      return ecosystem;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> env(int port, String commit) {
    return Map.of("PORT", String.valueOf(port), "SYLVAN_COMMIT", commit);
  }

  private static String get(int port) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long ms(CommandResult result) {
    return result.duration().toMillis();
  }
}
