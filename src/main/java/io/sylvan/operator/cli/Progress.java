package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * {@code --wait}: follows, over {@code GET /events?env=}, the one deployment an action started, and
 * prints each step as it starts and ends. The stream is opened before the action is sent, so
 * nothing of the deployment is missed; a dropped stream is reopened with the last id seen.
 *
 * <p>Three ways to print: a live line rewritten in place on a terminal, plain lines otherwise, and
 * one JSON object per event with {@code --output json}.
 */
final class Progress {

  /** How progress is printed. */
  enum Mode {
    TTY,
    PLAIN,
    JSON
  }

  /** Which deployment is the action's own, when the action's answer does not name it. */
  interface Match {
    boolean ours(EventStream.Received started);
  }

  private static final long TICK_MILLIS = 1000;
  private static final long STATUS_POLL_NANOS = Duration.ofSeconds(2).toNanos();
  private static final String CLEAR_LINE = "\r\u001b[K";

  private final OperatorClient client;
  private final String env;
  private final PrintWriter out;
  private final Mode mode;
  private final Duration timeout;
  private EventStream stream;
  private long lastId = -1;

  /** The step shown on the live line and when it started (TTY only). */
  private String running;

  private long runningSince;

  private Progress(
      OperatorClient client, String env, PrintWriter out, Mode mode, Duration timeout) {
    this.client = client;
    this.env = env;
    this.out = out;
    this.mode = mode;
    this.timeout = timeout;
  }

  /** Opens the event stream of {@code env}: call before sending the action. */
  static Progress open(
      OperatorClient client, String env, PrintWriter out, Mode mode, Duration timeout) {
    Progress p = new Progress(client, env, out, mode, timeout);
    p.stream = EventStream.open(client, p.path(), null);
    return p;
  }

  private String path() {
    return "/events?env=" + OperatorClient.encode(env);
  }

  /** Closes the stream (the wait ended or failed). */
  void close() {
    stream.close();
  }

  /**
   * Follows deployment {@code id}, or the first one {@code match} accepts when {@code id} is null.
   * With {@code syncedSince} (a sync: no deployment may be needed), an environment observed again
   * after that time as Ready and not Reconciling, with no deployment started, is done. Returns 0 on
   * success; throws a {@link CliException} with {@link CliException#DEPLOYMENT_FAILED} or {@link
   * CliException#ROLLED_BACK} otherwise.
   */
  int follow(Long id, Match match, String syncedSince) {
    Long ours = id;
    Set<Long> followed = new HashSet<>();
    if (ours != null) {
      followed.add(ours);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextStatus = System.nanoTime() + STATUS_POLL_NANOS;
    while (true) {
      if (System.nanoTime() > deadline) {
        endLine();
        throw new CliException(
            CliException.FAILED,
            "gave up waiting after "
                + timeout.toSeconds()
                + "s"
                + (ours == null ? "" : "; deployment " + ours + " may still be running"));
      }
      EventStream.Received r = stream.poll(TICK_MILLIS);
      if (r == null) {
        tick();
        if (ours == null && syncedSince != null && System.nanoTime() > nextStatus) {
          nextStatus = System.nanoTime() + STATUS_POLL_NANOS;
          if (inSyncSince(syncedSince)) {
            return 0;
          }
        }
        continue;
      }
      if (r == EventStream.END) {
        stream.close();
        stream = EventStream.open(client, path(), lastId < 0 ? null : lastId);
        continue;
      }
      lastId = r.id();
      switch (r.event()) {
        case "reset" -> {
          // Events were lost while reconnecting: the deployment's row says how it ended.
          if (ours != null) {
            return outcomeFromHistory(ours);
          }
        }
        case "deployment.started" -> {
          if (ours == null && match.ours(r)) {
            ours = r.deploymentId();
            followed.add(ours);
            started(r);
          } else if (Objects.equals(ours, r.deploymentId())) {
            started(r);
          } else if (ours != null
              && !followed.contains(r.deploymentId())
              && "auto-rollback".equals(r.text("trigger"))) {
            // Our run holds the environment's lock: an automatic rollback now is its rollback.
            followed.add(r.deploymentId());
            started(r);
          }
        }
        case "step.started", "step.finished" -> {
          if (followed.contains(r.deploymentId())) {
            step(r);
          }
        }
        case "deployment.finished" -> {
          if (Objects.equals(ours, r.deploymentId())) {
            return finished(r);
          }
          if (followed.contains(r.deploymentId())) {
            print(r, "deployment " + r.deploymentId() + " " + r.text("status"));
          }
        }
        default -> {
          // Health checks, conditions and drift are the dashboard's; the CLI shows steps.
        }
      }
    }
  }

  private void started(EventStream.Received r) {
    print(
        r,
        "deployment "
            + r.deploymentId()
            + " started: "
            + r.text("type")
            + " of "
            + env
            + " to "
            + Table.sha(r.data(), "commit")
            + " on "
            + r.text("node")
            + (r.text("trigger") == null ? "" : " (" + r.text("trigger") + ")"));
  }

  private void step(EventStream.Received r) {
    String name = r.text("step");
    if (mode == Mode.JSON) {
      json(r);
      return;
    }
    if (r.event().equals("step.started")) {
      if (mode == Mode.TTY) {
        running = name;
        runningSince = System.nanoTime();
        out.print(CLEAR_LINE + "  ... " + name);
        out.flush();
      } else {
        line("  " + name + " ...");
      }
      return;
    }
    String status = r.text("status");
    String took =
        r.data().hasNonNull("durationMs") ? seconds(r.data().get("durationMs").asLong()) : "";
    String message = r.text("message");
    String text =
        switch (status == null ? "" : status) {
          case "completed" -> "ok " + name + " (" + took + ")";
          case "skipped" ->
              "-  " + name + " (skipped" + (message == null ? "" : ": " + message) + ")";
          default -> "FAILED " + name + " (" + took + ")" + (message == null ? "" : ": " + message);
        };
    if (mode == Mode.TTY) {
      running = null;
      out.print(CLEAR_LINE);
    }
    line("  " + text);
  }

  /** Rewrites the live line with the running step's elapsed time (TTY only). */
  private void tick() {
    if (mode == Mode.TTY && running != null) {
      long ms = (System.nanoTime() - runningSince) / 1_000_000;
      out.print(CLEAR_LINE + "  ... " + running + " (" + ms / 1000 + "s)");
      out.flush();
    }
  }

  private void endLine() {
    if (mode == Mode.TTY && running != null) {
      running = null;
      out.println();
      out.flush();
    }
  }

  private int finished(EventStream.Received r) {
    String status = r.text("status");
    String took =
        r.data().hasNonNull("durationMs")
            ? " in " + seconds(r.data().get("durationMs").asLong())
            : "";
    String failed =
        r.text("failedStep") == null
            ? r.text("message")
            : r.text("failedStep") + ": " + r.text("message");
    print(r, "deployment " + r.deploymentId() + " " + status + took);
    return exit(r.deploymentId(), status, failed);
  }

  private static int exit(long id, String status, String failed) {
    return switch (status == null ? "" : status) {
      case "success" -> 0;
      case "rolled_back" ->
          throw new CliException(
              CliException.ROLLED_BACK,
              "deployment " + id + " failed (" + failed + ") and was rolled back");
      default ->
          throw new CliException(
              CliException.DEPLOYMENT_FAILED, "deployment " + id + " failed: " + failed);
    };
  }

  /** After a {@code reset}: waits for the deployment's row to close and reports its outcome. */
  private int outcomeFromHistory(long id) {
    while (true) {
      JsonNode d = client.get("/deployments/" + id).json();
      String status = d.path("status").asText();
      if (!status.equals("in_progress")) {
        endLine();
        JsonNode error = d.path("error");
        String failed = error.path("step").asText(null) + ": " + error.path("message").asText("");
        line("deployment " + id + " " + status);
        return exit(id, status, failed);
      }
      sleep();
    }
  }

  /** Whether the environment was observed again after {@code since}: Ready, not Reconciling. */
  private boolean inSyncSince(String since) {
    JsonNode s = client.get("/status/" + OperatorClient.encode(env)).json();
    String observed = s.path("observedAt").asText("");
    if (observed.isEmpty() || observed.equals(since)) {
      return false;
    }
    boolean ready = false;
    boolean reconciling = false;
    for (JsonNode c : s.path("conditions")) {
      ready |= c.path("type").asText().equals("Ready") && c.path("status").asBoolean();
      reconciling |= c.path("type").asText().equals("Reconciling") && c.path("status").asBoolean();
    }
    if (!ready || reconciling) {
      return false;
    }
    String message = env + " is in sync at " + Table.sha(s, "actualCommit");
    if (mode == Mode.JSON) {
      ObjectNode o = OperatorClient.JSON.createObjectNode();
      o.put("event", "in-sync");
      o.put("environment", env);
      o.put("message", message);
      out.println(o);
    } else {
      line(message + "; nothing to deploy");
    }
    return true;
  }

  private void print(EventStream.Received r, String text) {
    if (mode == Mode.JSON) {
      json(r);
    } else {
      endLine();
      line(text);
    }
  }

  private void json(EventStream.Received r) {
    ObjectNode o = OperatorClient.JSON.createObjectNode();
    o.put("event", r.event());
    o.put("id", r.id());
    o.setAll((ObjectNode) r.data());
    out.println(o);
    out.flush();
  }

  private void line(String text) {
    out.println(text);
    out.flush();
  }

  static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }

  private static void sleep() {
    try {
      Thread.sleep(TICK_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILED, "interrupted");
    }
  }
}
