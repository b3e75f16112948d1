package io.sylvan.operator.spec;

/** Spec texts shared by the spec tests. */
final class SpecFixtures {

  static final String COMMIT_A = "9fceb02d0ae598e95dc970b74767f19372d61af8";
  static final String COMMIT_B = "1b2c3d4e5f60718293a4b5c6d7e8f90123456789";

  private SpecFixtures() {}

  /**
   * The smallest valid spec: only the required fields. {@code metadata.environment} is on line 4,
   * column 16.
   */
  static String minimal(String environment, String commit) {
    return """
        apiVersion: sylvan.io/v1
        kind: AppDeployment
        metadata:
          environment: %s
        spec:
          source:
            repository: https://github.com/sylvan-token/sylvan-app.git
            commit: %s
          target:
            root: /srv/sylvan/%s
        """
        .formatted(environment, commit, environment);
  }

  static String minimal(String environment) {
    return minimal(environment, COMMIT_A);
  }

  /**
   * {@link #minimal} with a PM2 app name and port of its own ({@code <environment>-app}), so that
   * it does not collide with another environment's defaults; {@code metadata.environment} stays on
   * line 4, column 16.
   */
  static String apart(String environment, int port) {
    return minimal(environment)
            .replace(
                "  environment: " + environment + "\n",
                "  environment: " + environment + "\n  name: " + environment + "-app\n")
        + "  process:\n    port: "
        + port
        + "\n";
  }
}
