package io.sylvan.operator.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.WorkerPools;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends alerts to the configured webhook: a JSON POST whose {@code text} Slack shows, plus the
 * structured fields. Once per environment, commit and event; retried with backoff on a thread of
 * its own, so a slow or dead webhook never holds up a deployment.
 */
@ApplicationScoped
public class Notifier {

  private static final Logger LOG = Logger.getLogger(Notifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What an alert is about. */
  public enum Event {
    DEPLOYMENT_FAILED("Deployment failed"),
    ROLLBACK_DONE("Rolled back"),
    ROLLBACK_FAILED("ROLLBACK FAILED, manual intervention needed"),
    HEALTH_DEGRADED("Health degraded");

    final String title;

    Event(String title) {
      this.title = title;
    }
  }

  @Inject OperatorConfig config;

  private final Set<String> sent = ConcurrentHashMap.newKeySet();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService executor = WorkerPools.daemonTimer("sylvan-notifier");

  /** Queues an alert unless the same one was sent for this commit already. */
  public void notify(Event event, String environment, String commit, String message) {
    if (config.alerts().url().isEmpty()) {
      return;
    }
    if (!sent.add(environment + "|" + commit + "|" + event)) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(
        "text",
        "[sylvan] "
            + environment
            + ": "
            + event.title
            + " ("
            + Commits.short12(commit, "-")
            + ") "
            + message);
    body.put("event", event.name().toLowerCase(java.util.Locale.ROOT));
    body.put("environment", environment);
    body.put("commit", commit);
    body.put("message", message);
    body.put("timestamp", Instant.now().toString());
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (Exception e) {
      LOG.warnf("alert not sent: %s", e.getMessage());
      return;
    }
    executor.execute(() -> send(json, 1));
  }

  private void send(String json, int attempt) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(config.alerts().url().orElseThrow()))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build();
      int code = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (code >= 200 && code < 300) {
        return;
      }
      retry(json, attempt, "HTTP " + code);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      retry(json, attempt, e.getClass().getSimpleName());
    }
  }

  private void retry(String json, int attempt, String why) {
    if (attempt >= config.alerts().attempts()) {
      LOG.warnf("alert webhook failed %d times (%s); giving up on this alert", attempt, why);
      return;
    }
    long delay = Math.min(60, 1L << (attempt - 1));
    executor.schedule(() -> send(json, attempt + 1), delay, TimeUnit.SECONDS);
  }

  @PreDestroy
  void stop() {
    executor.shutdownNow();
  }
}
