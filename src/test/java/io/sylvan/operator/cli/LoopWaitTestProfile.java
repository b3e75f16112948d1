package io.sylvan.operator.cli;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * The operator for {@code sylvanctl sync|rollback --wait}: as {@link WaitTestProfile} with a
 * fixture of its own, and the reconcile loop on (a sync and a rollback are carried out by the
 * loop), ticking every second and reading the spec folder every second.
 */
public class LoopWaitTestProfile implements QuarkusTestProfile {

  static final String TOKEN = "loop-wait-token";
  static final NodeFixture FIXTURE = new NodeFixture("loopwait");

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(FIXTURE.config(TOKEN));
    config.put("sylvan.reconcile.enabled", "true");
    config.put("sylvan.reconcile.tick", "1s");
    config.put("sylvan.specs.poll-interval", "1s");
    return config;
  }
}
