package io.sylvan.operator.cli;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The operator for the CLI tests: token {@code cli-token}, and the example specs of {@code
 * deploy-specs/} with their roots moved under {@code target/cli-test/} and their app repository
 * pointed at a missing local path, so a sync or deploy the tests ask for fails fast inside the
 * build folder instead of cloning from the network into /srv.
 */
public class CliTestProfile implements QuarkusTestProfile {

  static final String TOKEN = "cli-token";
  static final Path BASE = Path.of("target/cli-test").toAbsolutePath();

  @Override
  public Map<String, String> getConfigOverrides() {
    Path specs = BASE.resolve("specs");
    try {
      Files.createDirectories(specs);
      for (String env : new String[] {"production", "test"}) {
        String text = Files.readString(Path.of("deploy-specs", env + ".yaml"));
        text =
            text.replace("/srv/sylvan/", BASE.resolve("srv") + "/")
                .replace(
                    "https://github.com/sylvan-token/sylvan-app.git",
                    BASE.resolve("no-such-repo").toString());
        Files.writeString(specs.resolve(env + ".yaml"), text);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of(
        "sylvan.auth.token", TOKEN,
        "sylvan.specs.directory", specs.toString(),
        "sylvan.data-dir", BASE.resolve("data").toString());
  }
}
