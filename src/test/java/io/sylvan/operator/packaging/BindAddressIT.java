package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.reconcile.OperatorProcess;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator, started as the systemd unit starts it (no QUARKUS_HTTP_HOST), listens on
 * loopback only, as the README says; the container images set 0.0.0.0 themselves (DockerFilesTest).
 */
class BindAddressIT {

  @Test
  void thePackagedOperatorListensOnLoopbackOnlyByDefault(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("specs"));
    try (OperatorProcess operator =
        new OperatorProcess(
            "bind-address",
            Map.of(
                "SYLVAN_DATA_DIR", dir.resolve("data").toString(),
                "SYLVAN_SPECS_DIRECTORY", dir.resolve("specs").toString(),
                "SYLVAN_PM2_HOME", dir.resolve("pm2").toString(),
                "SYLVAN_DATABASE_EMBEDDED_DURABLE", "false"))) {
      long logStart = Files.exists(operator.log()) ? Files.size(operator.log()) : 0;
      operator.start();
      String log = Files.readString(operator.log()).substring((int) logStart);
      Matcher listening = Pattern.compile("Listening on: (http://\\S+)").matcher(log);
      assertThat(listening.find()).as(log).isTrue();
      assertThat(listening.group(1)).isEqualTo("http://127.0.0.1:" + operator.port());

      // Reached on loopback, refused on every other address of this machine.
      assertThat(operator.status("/q/health/ready")).isEqualTo(200);
      for (InetAddress address : otherAddresses()) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(address, operator.port()), 2000);
          throw new AssertionError("the operator answered on " + address);
        } catch (java.io.IOException expected) {
          // connection refused: not listening there
        }
      }
    }
  }

  private static List<InetAddress> otherAddresses() throws Exception {
    return NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
        .toList();
  }
}
