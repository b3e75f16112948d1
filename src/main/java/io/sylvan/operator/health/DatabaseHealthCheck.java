package io.sylvan.operator.health;

import io.agroal.api.AgroalDataSource;
import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.state.DatabaseMigration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while PostgreSQL answers: without it nothing can be recorded, so nothing deploys. */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements HealthCheck {

  static final String NAME = "database";

  @Inject AgroalDataSource dataSource;
  @Inject DatabaseMigration migration;
  @Inject OperatorSecrets secrets;

  @Override
  public HealthCheckResponse call() {
    try (Connection c = dataSource.getConnection()) {
      if (c.isValid(3)) {
        return migration
            .pendingReason()
            .map(
                r ->
                    HealthCheckResponse.named(NAME)
                        .down()
                        .withData("reason", secrets.redactor().redactForPublic(r)))
            .orElseGet(() -> HealthCheckResponse.named(NAME).up())
            .build();
      }
      return HealthCheckResponse.named(NAME).down().withData("reason", "no answer").build();
    } catch (Exception e) {
      return HealthCheckResponse.named(NAME)
          .down()
          .withData("reason", secrets.redactor().redactForPublic(DatabaseMigration.rootMessage(e)))
          .build();
    }
  }
}
