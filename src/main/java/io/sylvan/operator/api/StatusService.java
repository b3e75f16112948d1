package io.sylvan.operator.api;

import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecCatalog;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentStepRecord;
import io.sylvan.operator.state.EnvironmentState;
import io.sylvan.operator.state.HealthCheckRecord;
import io.sylvan.operator.state.LocalNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read side of the API: status and history, each in one short read-only transaction. Status is
 * fleet-wide: it reads the rows of every node of an environment, not only this node's.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.REQUIRED)
public class StatusService {

  @Inject LocalNode local;
  @Inject SpecCatalog specs;

  public List<EnvironmentStatus> environments() {
    Map<String, List<EnvironmentState>> byName = new LinkedHashMap<>();
    for (EnvironmentState e : EnvironmentState.listAllNodes()) {
      byName.computeIfAbsent(e.name, n -> new ArrayList<>()).add(e);
    }
    return byName.entrySet().stream().map(e -> status(e.getKey(), e.getValue())).toList();
  }

  public Optional<EnvironmentStatus> environment(String name) {
    List<EnvironmentState> rows = EnvironmentState.listNodesOf(name);
    return rows.isEmpty() ? Optional.empty() : Optional.of(status(name, rows));
  }

  /** History newest first; {@code env}, {@code node} and {@code status} filter when not null. */
  public List<DeploymentView> history(
      String env, String node, DeploymentStatus status, Long before, int limit) {
    return Deployment.findHistory(env, node, status, before, limit).stream()
        .map(DeploymentView::summary)
        .toList();
  }

  /** Where a deployment's deploy log was written: its node and file (null when it had none). */
  public record LogLocation(String node, String file) {}

  public Optional<LogLocation> logLocation(long id) {
    return Deployment.<Deployment>findByIdOptional(id).map(d -> new LogLocation(d.node, d.logFile));
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

  /** The latest {@code limit} health results of {@code env} on any node, oldest first. */
  public List<DeploymentView.HealthCheck> healthHistory(String env, int limit) {
    List<DeploymentView.HealthCheck> newestFirst =
        HealthCheckRecord.findRecent(env, limit).stream().map(DeploymentView::healthCheck).toList();
    List<DeploymentView.HealthCheck> oldestFirst = new ArrayList<>(newestFirst);
    java.util.Collections.reverse(oldestFirst);
    return oldestFirst;
  }

  /**
   * One environment over its node rows: the environment-level fields from this node's row (else the
   * first node's), sync and health aggregated over the placed nodes, one entry per node.
   */
  private EnvironmentStatus status(String name, List<EnvironmentState> rows) {
    EnvironmentState primary =
        rows.stream().filter(r -> r.node.equals(local.name())).findFirst().orElse(rows.get(0));
    Map<String, EnvironmentState> byNode = new LinkedHashMap<>();
    rows.forEach(r -> byNode.put(r.node, r));
    Set<String> placed = placedNodes(name, byNode.keySet());
    Set<String> shown = new LinkedHashSet<>(byNode.keySet());
    shown.addAll(placed);
    List<EnvironmentStatus.NodeStatus> nodes = new ArrayList<>();
    List<EnvironmentStatus.NodeStatus> counted = new ArrayList<>();
    for (String node : shown.stream().sorted().toList()) {
      EnvironmentState row = byNode.get(node);
      EnvironmentStatus.NodeStatus n =
          row == null
              ? EnvironmentStatus.NodeStatus.missing(node)
              : EnvironmentStatus.NodeStatus.of(
                  row, Deployment.findLatest(name, node).map(DeploymentView::summary).orElse(null));
      nodes.add(n);
      if (placed.contains(node)) {
        counted.add(n);
      }
    }
    return EnvironmentStatus.of(
        primary,
        Deployment.findLatest(name, null).map(DeploymentView::summary).orElse(null),
        nodes,
        counted);
  }

  /**
   * The nodes the spec places the environment on when it lists them; else (no placement, a
   * selector, no valid spec) the nodes that have a row.
   */
  private Set<String> placedNodes(String name, Set<String> withRows) {
    List<DeploySpec.Placement.NodeTarget> listed =
        specs
            .current()
            .flatMap(s -> s.anyNode(name))
            .map(s -> s.spec().placement().nodes())
            .orElse(List.of());
    if (listed.isEmpty()) {
      return new LinkedHashSet<>(withRows);
    }
    Set<String> placed = new LinkedHashSet<>();
    listed.forEach(t -> placed.add(t.name()));
    return placed;
  }
}
