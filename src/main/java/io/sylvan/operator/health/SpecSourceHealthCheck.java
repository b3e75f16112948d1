package io.sylvan.operator.health;

import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.spec.SpecCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the desired state can be read; the last good view is kept either way. */
@Readiness
@ApplicationScoped
public class SpecSourceHealthCheck implements HealthCheck {

  static final String NAME = "spec-source";

  @Inject SpecCatalog specs;
  @Inject OperatorSecrets secrets;

  @Override
  public HealthCheckResponse call() {
    var snapshot = specs.current();
    var error = specs.lastError();
    HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME);
    snapshot.ifPresent(
        s -> {
          b.withData("revision", s.revision());
          b.withData("environments", s.valid().size());
          b.withData("invalid", s.invalid().size());
        });
    if (error.isPresent()) {
      return b.down()
          .withData("reason", secrets.redactor().redactForPublic(error.get().message()))
          .withData("stale", snapshot.isPresent())
          .build();
    }
    if (snapshot.isEmpty()) {
      return b.down().withData("reason", "not loaded yet").build();
    }
    return b.up().build();
  }
}
