package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/: the install script (dry run under a prefix), the unit and the env file template. */
class InstallScriptTest {

  static final Path INSTALL = Path.of("deploy/install.sh");
  static final Path UNIT = Path.of("deploy/systemd/sylvan-operator.service");
  static final Path ENV_EXAMPLE = Path.of("deploy/operator.env.example");

  record Run(int exit, String output) {}

  static Run run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  static List<String> listFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(Path::toString).toList();
    }
  }

  @Test
  void dryRunUnderAPrefixPrintsEveryActionAndChangesNothing(@TempDir Path prefix) throws Exception {
    Run r = run(List.of("bash", INSTALL.toString(), "--dry-run", "--prefix", prefix.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    String p = prefix.toString();
    assertThat(r.output())
        .contains("dry run")
        .contains("useradd --system")
        .contains("+ install -d -m 0755 " + p + "/opt/sylvan-operator")
        // The service user reads deploy-specs/ in it; the secrets file is 600.
        .contains("+ install -d -m 0755 " + p + "/etc/sylvan-operator")
        .contains("+ install -d -m 0750 " + p + "/var/lib/sylvan-operator")
        .contains("+ install -d -m 0750 " + p + "/srv/sylvan")
        .contains("quarkus-run.jar " + p + "/opt/sylvan-operator/")
        .contains("write " + p + "/etc/sylvan-operator/operator.env")
        .contains("(mode 600)")
        .contains(
            "+ install -m 0644 "
                + UNIT.toAbsolutePath()
                + " "
                + p
                + "/etc/systemd/system/sylvan-operator.service")
        .contains("systemctl daemon-reload")
        .contains("systemctl enable --now sylvan-operator");
    // Every path it names is under the prefix, and a dry run creates nothing.
    Matcher absolute = Pattern.compile("(?<=\\s)/(opt|etc|var|srv)/\\S*").matcher(r.output());
    List<String> outside = new ArrayList<>();
    while (absolute.find()) {
      outside.add(absolute.group());
    }
    assertThat(outside)
        .as("paths outside the prefix (only the user's home, which is not created)")
        .allMatch(s -> s.equals("/var/lib/sylvan-operator"));
    assertThat(listFiles(prefix)).isEmpty();
  }

  @Test
  void anExistingEnvFileIsKept(@TempDir Path prefix) throws Exception {
    Path env = prefix.resolve("etc/sylvan-operator/operator.env");
    Files.createDirectories(env.getParent());
    Files.writeString(env, "SYLVAN_AUTH_TOKEN=keep-me\n");
    Run r = run(List.of("bash", INSTALL.toString(), "--dry-run", "--prefix=" + prefix));
    assertThat(r.exit()).isZero();
    assertThat(r.output()).contains(env + " exists: kept").doesNotContain("write " + env);
    assertThat(Files.readString(env)).isEqualTo("SYLVAN_AUTH_TOKEN=keep-me\n");
  }

  @Test
  void unknownOptionsAreRefused() throws Exception {
    Run r = run(List.of("bash", INSTALL.toString(), "--dry-run", "--frobnicate"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output()).contains("unknown option: --frobnicate");
  }

  @Test
  void refusesToRunAsNonRootWithoutDryRun(@TempDir Path prefix) throws Exception {
    List<String> command = new ArrayList<>();
    boolean root = "0".equals(run(List.of("id", "-u")).output().strip());
    if (root) {
      assumeTrue(
          Files.isExecutable(Path.of("/usr/bin/setpriv")),
          "Assumption: running as root without setpriv; cannot drop privileges to check this");
      command.addAll(
          List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    }
    Path script = prefix.resolve("install.sh");
    Files.copy(INSTALL, script);
    command.addAll(List.of("bash", script.toString(), "--prefix", prefix.toString()));
    prefix.toFile().setExecutable(true, false);
    script.toFile().setReadable(true, false);
    Run r = run(command);
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(r.output()).contains("must run as root").contains("--dry-run");
  }

  @Test
  void unitRunsAsSylvanWithLowMemoryFlagsAndHardening() throws IOException {
    String unit = Files.readString(UNIT);
    assertThat(unit)
        .contains("\nUser=sylvan\n")
        .contains("\nWorkingDirectory=/opt/sylvan-operator\n")
        .contains("\nEnvironmentFile=/etc/sylvan-operator/operator.env\n")
        .containsPattern(
            "\nExecStart=/usr/bin/java .*-Xmx128m .*-XX:\\+UseSerialGC .*-XX:TieredStopAtLevel=1 .*-jar ")
        .contains("/opt/sylvan-operator/quarkus-run.jar\n")
        .contains("\nRestart=on-failure\n")
        .contains("\nKillSignal=SIGTERM\n")
        .containsPattern("\nTimeoutStopSec=\\d+s?\n")
        .contains("\nNoNewPrivileges=true\n")
        .contains("\nProtectSystem=strict\n")
        .contains("\nReadWritePaths=/var/lib/sylvan-operator /srv/sylvan\n")
        .contains("\nPrivateTmp=true\n")
        .contains("\nWantedBy=multi-user.target\n");
  }

  @Test
  void systemdAnalyzeVerifyAcceptsTheUnit(@TempDir Path dir) throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(
        Files.isExecutable(analyze),
        "Assumption: systemd-analyze is not installed; the unit was only checked textually");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/java")),
        "Assumption: /usr/bin/java (the unit's ExecStart) does not exist on this machine");
    Path copy = dir.resolve("sylvan-operator.service");
    Files.copy(UNIT, copy);
    Run r = run(List.of(analyze.toString(), "verify", copy.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).doesNotContain("sylvan-operator.service:");
  }

  @Test
  void envExampleHasEverySettingAndOnlyRealOnes() throws IOException {
    Pattern line = Pattern.compile("^#?([A-Z][A-Z0-9_]+)=", Pattern.MULTILINE);
    Matcher m = line.matcher(Files.readString(ENV_EXAMPLE));
    Set<String> names = new TreeSet<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    Map<String, String> known = ConfigKeys.byEnvName();
    assertThat(known.keySet()).containsAll(names);
    for (String key : ConfigKeys.sylvan()) {
      assertThat(names)
          .as("operator.env.example sets or documents " + key)
          .contains(ConfigKeys.envName(key));
    }
    assertThat(names)
        .contains(
            "QUARKUS_DATASOURCE_JDBC_URL",
            "QUARKUS_DATASOURCE_USERNAME",
            "QUARKUS_DATASOURCE_PASSWORD",
            "QUARKUS_HTTP_PORT");
  }
}
