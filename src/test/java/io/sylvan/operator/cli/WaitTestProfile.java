package io.sylvan.operator.cli;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The operator for {@code sylvanctl deploy --wait}: a spec folder of its own holding one
 * environment of the plain Node fixture ({@link NodeFixture}), the reconcile loop off (the test
 * default), so only the deployments the CLI asks for run. {@link CliTestProfile} points its specs
 * at a missing repository on purpose, so it cannot serve here.
 */
public class WaitTestProfile implements QuarkusTestProfile {

  static final String TOKEN = "wait-token";
  static final NodeFixture FIXTURE = new NodeFixture("waitenv");

  @Override
  public Map<String, String> getConfigOverrides() {
    return FIXTURE.config(TOKEN);
  }
}
