package io.sylvan.operator.api;

import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.HealthCheckRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;

/** Read side of the API: status and history, each in one short read-only transaction. */
@ApplicationScoped
@Transactional(Transactional.TxType.REQUIRED)
public class StatusService {

  public List<EnvironmentStatus> environments() {
    return EnvironmentState.listAllByName().stream().map(this::status).toList();
  }

  public Optional<EnvironmentStatus> environment(String name) {
    return EnvironmentState.findByName(name).map(this::status);
  }

  public List<DeploymentView> history(String env, DeploymentStatus status, Long before, int limit) {
    return Deployment.findHistory(env, status, before, limit).stream()
        .map(DeploymentView::summary)
        .toList();
  }

  public Optional<DeploymentView> deployment(long id) {
    return Deployment.<Deployment>findByIdOptional(id)
        .map(
            d ->
                DeploymentView.detail(
                    d,
                    DeploymentStepRecord.findByDeployment(id),
                    HealthCheckRecord.findByDeployment(id)));
  }

  private EnvironmentStatus status(EnvironmentState e) {
    return EnvironmentStatus.of(
        e, Deployment.findLatest(e.name).map(DeploymentView::summary).orElse(null));
  }
}
