package io.sylvan.operator.state;

import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Instant;

/** Rows for tests that read the state: built directly through the entities. */
public final class TestRows {

  public static final String SHA = "c".repeat(40);

  private TestRows() {}

  /** The name of the node the test's operator runs as. */
  public static String node() {
    return LocalNode.currentName();
  }

  /** A fresh environment row (deployments reference one), committed; returns its name. */
  public static String environment() {
    String name = "rows-" + System.nanoTime();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState e = new EnvironmentState();
              e.name = name;
              e.node = node();
              e.persist();
            });
    return name;
  }

  /**
   * A fresh environment of two nodes: this one's row, and the row another agent wrote for {@code
   * otherNode} serving {@code commit}, as a fleet's agents do; returns its name.
   */
  public static String fleetEnvironment(String otherNode, String commit) {
    String env = environment();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EnvironmentState other = new EnvironmentState();
              other.name = env;
              other.node = otherNode;
              other.actualCommit = commit;
              other.persist();
            });
    return env;
  }

  /** An unsaved update deployment of {@link #SHA}, triggered by the API. */
  public static Deployment deployment(String env, DeploymentStatus status) {
    Deployment d = new Deployment();
    d.environment = env;
    d.type = DeploymentType.UPDATE;
    d.status = status;
    d.startedAt = Instant.now();
    d.gitCommit = SHA;
    d.trigger = Trigger.API;
    return d;
  }
}
