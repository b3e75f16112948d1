package io.sylvan.operator.config;

import io.sylvan.operator.runtime.Redactor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The operator's own secrets as a {@link Redactor}: the API token, the webhook secret and the
 * datasource password. Every environment's redactor starts from it.
 */
@ApplicationScoped
public class OperatorSecrets {

  /**
   * The embedded database's fixed password: public (docs/security.md), and as a dictionary value it
   * would mask every "postgres" and "postgresql" in the output.
   */
  static final String EMBEDDED_DATABASE_PASSWORD = "postgres";

  @Inject OperatorConfig config;

  private volatile Redactor redactor;

  public Redactor redactor() {
    Redactor r = redactor;
    if (r == null) {
      List<String> values = new ArrayList<>();
      config.auth().token().ifPresent(values::add);
      config.auth().webhookSecret().ifPresent(values::add);
      datasourcePassword()
          .filter(p -> !p.equals(EMBEDDED_DATABASE_PASSWORD))
          .ifPresent(values::add);
      r = Redactor.of(values);
      redactor = r;
    }
    return r;
  }

  private static Optional<String> datasourcePassword() {
    return ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.password", String.class);
  }
}
