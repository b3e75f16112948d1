package io.sylvan.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a fixture app on this machine what it serves. */
final class AppProbe {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AppProbe() {}

  /** The commit the app on {@code port} reports at {@code /api/health}, or null if none answers. */
  static String servedCommit(int port) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body()).get("commit").asText();
    } catch (Exception e) {
      return null;
    }
  }
}
