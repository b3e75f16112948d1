package io.sylvan.operator.api;

import io.sylvan.operator.config.OperatorSecrets;
import io.sylvan.operator.fleet.RolloutState;
import io.sylvan.operator.fleet.RolloutStore;
import io.sylvan.operator.state.DatabaseMigration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Rollouts as the API shows them. Never called inside a JTA transaction: the store commits its own
 * connections.
 */
@ApplicationScoped
public class RolloutViews {

  @Inject RolloutStore store;
  @Inject OperatorSecrets secrets;

  /** The environment's active rollout, else its latest one; empty when it never had one. */
  public Optional<RolloutView> of(String env) {
    return read(
        () -> {
          Optional<RolloutState> active = store.active(env);
          return (active.isPresent() ? active : store.latest(env)).map(this::view);
        });
  }

  RolloutView view(RolloutState r) {
    return RolloutView.of(r, secrets.redactor()::redact);
  }

  /** A store call that may fail on the database. */
  @FunctionalInterface
  interface Read<T> {
    T get() throws SQLException;
  }

  /** Runs a store call; a database that does not answer is a 503 with the reason. */
  <T> T read(Read<T> call) {
    try {
      return call.get();
    } catch (SQLException e) {
      throw new ApiException(
          ApiError.of(
              503,
              "the database did not answer: "
                  + secrets.redactor().redactForPublic(DatabaseMigration.rootMessage(e))));
    }
  }
}
