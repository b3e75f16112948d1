package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.sylvan.operator.runtime.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher on its own: a real {@code node} running the bundled launcher in script mode with a
 * small HTTP server as the app (no PM2: the launcher works without its IPC channel). The reloads
 * under PM2 and load are in NextZeroDowntimeTest and UpdatePipelineTest.
 */
class LauncherTest {

  static final String APP =
      """
      'use strict';
      const fs = require('fs');
      const os = require('os');
      // what the app's own startup code runs at, before it listens
      fs.writeFileSync('nice-at-start', String(os.getPriority(process.pid)));
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      fs.writeFileSync('policy-at-start', stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
      require('http')
        .createServer((req, res) => res.end('ok'))
        .listen(Number(process.env.PORT), '127.0.0.1');
      """;

  Path dir;
  Process launcher;
  final List<String> output = new ArrayList<>();

  @BeforeEach
  void writeApp() throws IOException {
    dir = Files.createTempDirectory("sylvan-launcher-");
    Files.writeString(dir.resolve("server.js"), APP);
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream(ToolboxProducer.LAUNCHER_RESOURCE)) {
      Files.copy(in, dir.resolve("sylvan-launcher.js"));
    }
  }

  @AfterEach
  void stop() throws IOException {
    if (launcher != null) {
      launcher.destroyForcibly();
    }
    FileTrees.delete(dir);
  }

  void start(int port, String drainMs) throws IOException {
    start(port, drainMs, Map.of());
  }

  void start(int port, String drainMs, Map<String, String> env) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder("node", dir.resolve("sylvan-launcher.js").toString())
            .directory(dir.toFile())
            .redirectErrorStream(true);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("SYLVAN_SCRIPT", "server.js");
    pb.environment().put("SYLVAN_COMMIT", "c".repeat(40));
    pb.environment().put("SYLVAN_DRAIN_MS", drainMs);
    pb.environment().put("SYLVAN_BOOT_NICE", "10");
    pb.environment().putAll(env);
    launcher = pb.start();
    Thread reader =
        new Thread(
            () -> {
              try (var r =
                  new java.io.BufferedReader(
                      new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (output) {
                    output.add(line);
                  }
                }
              } catch (IOException e) {
                // process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> logged("; ready"));
  }

  boolean logged(String text) {
    synchronized (output) {
      return output.stream().anyMatch(l -> l.contains(text));
    }
  }

  void signal(String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(launcher.pid())).start().waitFor();
  }

  @Test
  void bootsAtALowerPriorityAndServesAtItsOwn() throws Exception {
    int before = niceOf(ProcessHandle.current().pid());
    start(TestSpecs.freePort(), "1500");
    if (logged("booting at unchanged priority")) {
      // No CAP_SYS_NICE and no RLIMIT_NICE: the launcher must not lower what it cannot restore.
      assertThat(Files.readString(dir.resolve("nice-at-start")).strip())
          .isEqualTo(Integer.toString(before));
      assumeThat(false).as("this user may not restore a lowered priority").isTrue();
    }
    assertThat(Files.readString(dir.resolve("nice-at-start")).strip())
        .isEqualTo(Integer.toString(Math.min(19, before + 10)));
    // Every thread is back at the original value once the app listens.
    try (var tasks = Files.list(Path.of("/proc", Long.toString(launcher.pid()), "task"))) {
      for (Path task : tasks.toList()) {
        assertThat(niceOf(launcher.pid(), task.getFileName().toString()))
            .as("thread " + task.getFileName())
            .isEqualTo(before);
      }
    }
    assertThat(logged("booted at nice " + Math.min(19, before + 10))).isTrue();
  }

  @Test
  void bootsAtSchedIdleAndServesAtTheNormalPolicyAndItsOwnNice() throws Exception {
    int before = niceOf(ProcessHandle.current().pid());
    start(TestSpecs.freePort(), "1500", Map.of("SYLVAN_BOOT_IDLE", "1"));
    if (logged("booting at unchanged priority")) {
      // May not leave SCHED_IDLE again (sched(7): RLIMIT_NICE): the launcher stays as it was.
      assertThat(Files.readString(dir.resolve("policy-at-start")).strip())
          .isEqualTo(Integer.toString(SCHED_OTHER));
      assertThat(Files.readString(dir.resolve("nice-at-start")).strip())
          .isEqualTo(Integer.toString(before));
      assumeThat(false).as("this user may not restore a normal priority").isTrue();
    }
    if (logged("booted at nice 19")) {
      // No chrt on this host: the fallback is the highest nice value.
      assertThat(Files.readString(dir.resolve("nice-at-start")).strip()).isEqualTo("19");
    } else {
      assertThat(Files.readString(dir.resolve("policy-at-start")).strip())
          .isEqualTo(Integer.toString(SCHED_IDLE));
      assertThat(logged("booted at SCHED_IDLE; back to SCHED_OTHER")).isTrue();
    }
    // Every thread serves at the normal policy and the original nice value.
    try (var tasks = Files.list(Path.of("/proc", Long.toString(launcher.pid()), "task"))) {
      for (Path task : tasks.toList()) {
        String tid = task.getFileName().toString();
        assertThat(policyOf(launcher.pid(), tid)).as("thread " + tid).isEqualTo(SCHED_OTHER);
        assertThat(niceOf(launcher.pid(), tid)).as("thread " + tid).isEqualTo(before);
      }
    }
  }

  @Test
  void exitsWithoutTheDrainWindowWhenNoClientIsConnected() throws Exception {
    // A 60 s window outlasts the hard deadline (7 s): exiting before it means the window was
    // skipped.
    start(TestSpecs.freePort(), "60000");
    signal("INT");
    assertThat(launcher.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).isZero();
    assertThat(logged("drained in")).isTrue();
    assertThat(logged("reached with")).as("exited on its own, not at the hard deadline").isFalse();
  }

  @Test
  void closesAConnectedClientsKeepAliveConnectionAfterItsNextRequest() throws Exception {
    int port = TestSpecs.freePort();
    start(port, "60000");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      assertThat(request(s)).contains("200 OK").containsIgnoringCase("keep-alive");
      signal("INT");
      await().atMost(Duration.ofSeconds(5)).until(() -> logged("drain started"));
      // The client still holds its connection: the worker keeps serving it, and says close.
      assertThat(launcher.isAlive()).isTrue();
      assertThat(request(s)).contains("200 OK").containsIgnoringCase("Connection: close");
    }
    assertThat(launcher.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(logged("reached with")).as("exited on its own, not at the hard deadline").isFalse();
  }

  static String request(Socket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    byte[] buf = new byte[4096];
    int n = s.getInputStream().read(buf);
    return new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII);
  }

  static final int SCHED_OTHER = 0;
  static final int SCHED_IDLE = 5;

  /** Field 41 of /proc/<pid>/task/<tid>/stat: the thread's scheduling policy. */
  static int policyOf(long pid, String tid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "task", tid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(f[38]);
  }

  static int niceOf(long pid) throws IOException {
    return niceOf(pid, Long.toString(pid));
  }

  /** Field 19 of /proc/<pid>/task/<tid>/stat: the thread's nice value. */
  static int niceOf(long pid, String tid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "task", tid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(f[16]);
  }
}
