package io.sylvan.operator.fleet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The waves of a rollout, computed from the placed nodes and the policy alone: nodes sorted by name
 * (so every agent computes the same plan), wave 0 = the first {@code canary} nodes, then chunks of
 * {@code maxParallel}.
 *
 * @param waves node names per wave, in order; never an empty wave
 * @param canary how many nodes wave 0 allows to update at once (the canary count, or maxParallel
 *     when there is no canary wave)
 * @param maxParallel how many nodes any later wave allows at once
 */
public record RolloutPlan(List<List<String>> waves, int canary, int maxParallel) {

  public RolloutPlan {
    waves = waves.stream().map(List::copyOf).toList();
  }

  public static RolloutPlan of(Collection<String> placedNodes, RolloutPolicy policy) {
    List<String> nodes = new ArrayList<>(new TreeSet<>(placedNodes));
    int n = nodes.size();
    int canary = policy.canary().of(n);
    int parallel = Math.max(1, policy.maxParallel().of(n));
    List<List<String>> waves = new ArrayList<>();
    int i = 0;
    if (canary > 0) {
      waves.add(nodes.subList(0, canary));
      i = canary;
    }
    for (; i < n; i += parallel) {
      waves.add(nodes.subList(i, Math.min(n, i + parallel)));
    }
    return new RolloutPlan(waves, canary > 0 ? canary : parallel, parallel);
  }

  /** The wave a node belongs to, or -1 when it is not in the plan. */
  public int waveOf(String node) {
    for (int w = 0; w < waves.size(); w++) {
      if (waves.get(w).contains(node)) {
        return w;
      }
    }
    return -1;
  }

  /** Every node of the plan, wave by wave. */
  public List<String> nodes() {
    return waves.stream().flatMap(List::stream).toList();
  }
}
