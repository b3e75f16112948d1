package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class Pm2JlistParsingTest {

  @Test
  void parsesJlistPrecededByTheDaemonSpawnBanner() throws Exception {
    // Captured from pm2 7.0.4 with a fresh PM2_HOME (env trimmed): banner, "[PM2] Spawning PM2
    // daemon" lines (which start with '['), then the JSON array.
    String output = captured();
    assertThat(output).contains("[PM2] Spawning PM2 daemon");

    List<Pm2Process> processes = Pm2.parseJlist(output);

    assertThat(processes).hasSize(2);
    Pm2Process first = processes.get(0);
    assertThat(first.name()).isEqualTo("a");
    assertThat(first.pmId()).isZero();
    assertThat(first.pid()).isPositive();
    assertThat(first.status()).isEqualTo(Pm2Process.Status.ONLINE);
    assertThat(first.online()).isTrue();
    assertThat(first.pmCwd()).isEqualTo("/tmp/rtp/app");
    assertThat(first.execMode()).isEqualTo("cluster_mode");
    assertThat(first.instances()).isEqualTo(2);
    assertThat(first.createdAt()).isAfter(Instant.parse("2020-01-01T00:00:00Z"));
    assertThat(first.startedAt()).isEqualTo(Instant.ofEpochMilli(1795689625417L));
    assertThat(processes.get(1).startedAt()).isEqualTo(Instant.ofEpochMilli(1795689625624L));
    assertThat(first.memoryBytes()).isPositive();
    assertThat(processes.get(1).pmId()).isEqualTo(1);
  }

  @Test
  void copiesOnlySylvanNodeEnvAndPortFromTheProcessEnvironment() throws Exception {
    String output = captured();
    assertThat(output).contains("DATABASE_URL");

    Pm2Process process = Pm2.parseJlist(output).get(0);

    assertThat(process.env())
        .containsOnlyKeys("SYLVAN_COMMIT", "NODE_ENV", "PORT")
        .containsEntry("SYLVAN_COMMIT", "aaa")
        .containsEntry("PORT", "39123");
    assertThat(process.toString()).doesNotContain("postgres://");
  }

  @Test
  void flattenedEnvWinsOverTheNestedCopyAndUnknownStatusIsTolerated() {
    String output =
        "[PM2][WARN] something\n>>>> In-memory PM2 is out-of-date, do:\n>>>> $ pm2 update\n"
            + "[{\"pid\":0,\"name\":\"web\",\"pm_id\":3,\"pm2_env\":{\"status\":\"restarting soon\","
            + "\"restart_time\":7,\"unstable_restarts\":4,\"instances\":\"max\","
            + "\"env\":{\"SYLVAN_COMMIT\":\"old\"},\"SYLVAN_COMMIT\":\"new\",\"PORT\":3333},"
            + "\"monit\":{\"memory\":0,\"cpu\":1.5}}]";

    Pm2Process process = Pm2.parseJlist(output).get(0);

    assertThat(process.env()).containsEntry("SYLVAN_COMMIT", "new").containsEntry("PORT", "3333");
    assertThat(process.status()).isEqualTo(Pm2Process.Status.UNKNOWN);
    assertThat(process.unstableRestarts()).isEqualTo(4);
    assertThat(process.instances()).isZero();
    assertThat(process.cpuPercent()).isEqualTo(1.5);
    assertThat(process.createdAt()).isNull();
    assertThat(Pm2Process.byName(List.of(process), "web")).containsExactly(process);
    assertThat(Pm2Process.byName(List.of(process), "other")).isEmpty();
  }

  @Test
  void emptyListAndGarbage() {
    assertThat(Pm2.parseJlist("[PM2] Spawning PM2 daemon\n[]")).isEmpty();
    assertThatThrownBy(() -> Pm2.parseJlist("[PM2][ERROR] Daemon not launched"))
        .isInstanceOf(Pm2Exception.class)
        .hasMessageContaining("Daemon not launched");
  }

  private String captured() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("jlist-after-daemon-spawn.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void statusWireNames() {
    assertThat(Pm2Process.Status.fromWire("one-launch-status"))
        .isEqualTo(Pm2Process.Status.ONE_LAUNCH_STATUS);
    assertThat(Pm2Process.Status.fromWire("errored")).isEqualTo(Pm2Process.Status.ERRORED);
    assertThat(Pm2Process.Status.STOPPING.wire()).isEqualTo("stopping");
    assertThat(Pm2Process.Status.fromWire("waiting restart"))
        .isEqualTo(Pm2Process.Status.WAITING_RESTART);
  }
}
