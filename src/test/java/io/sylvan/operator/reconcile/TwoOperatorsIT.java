package io.sylvan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas on one VM and one database (same spec folder, same PM2 daemon, loop off)
 * get 20 concurrent deploy requests: every request is accepted or refused as busy, and the recorded
 * step times show exactly one pipeline of the environment at a time.
 */
class TwoOperatorsIT {

  @AutoClose static OperatorWorld world;
  static OperatorProcess first;
  static OperatorProcess second;

  @BeforeAll
  static void start() throws Exception {
    world = new OperatorWorld("two-operators");
    world.writeSpec(world.app.commitChange("A"));
    first = world.startOperator("two-operators-1", "data-1", false);
    second = world.startOperator("two-operators-2", "data-2", false);
  }

  @Test
  void runsOnePipelineAtATimeAcrossOperators() throws Exception {
    // Four requests at each of five instants five seconds apart (two per operator): truly
    // simultaneous requests, and requests arriving while a run of either operator is going or
    // has just ended (a run of the fixture takes about ten seconds).
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      OperatorProcess target = i % 2 == 0 ? first : second;
      long delay = (i / 4) * 5_000L;
      answers.add(
          pool.submit(
              () -> {
                go.await();
                Thread.sleep(delay);
                HttpResponse<String> r =
                    target.post("/environments/" + OperatorWorld.ENV + "/deploy");
                return r == null ? -1 : r.statusCode();
              }));
    }
    go.countDown();
    List<Integer> codes = new ArrayList<>();
    for (Future<Integer> f : answers) {
      codes.add(f.get());
    }
    pool.shutdown();

    assertThat(codes).hasSize(20).allMatch(c -> c == 202 || c == 409, "202 or 409");
    assertThat(codes).contains(202);

    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> world.count("select count(*) from deployment where status = 'in_progress'") == 0);

    List<Map<String, Object>> windows =
        world.query(
            "select d.id, d.status, min(s.started_at) as first_start, max(s.ended_at) as last_end"
                + " from deployment d join deployment_step s on s.deployment_id = d.id"
                + " where d.environment = ? group by d.id, d.status order by first_start",
            OperatorWorld.ENV);
    assertThat(windows).hasSize((int) codes.stream().filter(c -> c == 202).count());
    for (int i = 1; i < windows.size(); i++) {
      Timestamp previousEnd = (Timestamp) windows.get(i - 1).get("last_end");
      Timestamp start = (Timestamp) windows.get(i).get("first_start");
      assertThat(start)
          .as("deployment %s starts after %s ended", windows.get(i), windows.get(i - 1))
          .isAfterOrEqualTo(previousEnd);
    }
    assertThat(windows).anyMatch(w -> "success".equals(w.get("status")));
    System.out.printf("answers %s; runs %s%n", codes, windows);
  }
}
