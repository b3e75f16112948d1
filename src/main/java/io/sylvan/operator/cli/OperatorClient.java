package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The operator's REST API over the JDK HTTP client. Every answer other than 2xx becomes a {@link
 * CliException} carrying the API's own message; the token is sent, never shown.
 */
final class OperatorClient {

  static final ObjectMapper JSON = new ObjectMapper();

  /** A 2xx answer: its raw text (for {@code --output json}) and its parsed form. */
  record Answer(String body, JsonNode json) {}

  private final String server;
  private final String token;
  private final HttpClient http;

  OperatorClient(String server, String token) {
    this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), path, "application/json");
  }

  /** A plain-text resource (a deploy log); errors still come as the API's JSON. */
  Answer getText(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), path, "text/plain, application/json");
  }

  Answer post(String path) {
    return send(
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()),
        path,
        "application/json");
  }

  /**
   * The lines of a Server-Sent Events stream, once its answer started (a 4xx/5xx is a {@link
   * CliException} as for any call); no timeout, the stream stays open until closed.
   */
  java.util.stream.Stream<String> lines(String path, Long lastEventId) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    request.header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", Long.toString(lastEventId));
    }
    authorize(request);
    HttpResponse<java.util.stream.Stream<String>> response =
        call(request.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() / 100 != 2) {
      String body = String.join("\n", response.body().toList());
      throw refused(response.statusCode(), parse(body), path);
    }
    return response.body();
  }

  /** {@code path} plus the non-null parameters as an encoded query string. */
  static String withQuery(String path, Map<String, Object> params) {
    String query =
        params.entrySet().stream()
            .filter(e -> e.getValue() != null && !Boolean.FALSE.equals(e.getValue()))
            .map(e -> e.getKey() + "=" + encode(String.valueOf(e.getValue())))
            .collect(Collectors.joining("&"));
    return query.isEmpty() ? path : path + "?" + query;
  }

  static Map<String, Object> params(Object... keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return map;
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private URI uri(String path) {
    try {
      return URI.create(server + path);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.UNREACHABLE, "bad operator URL " + server + path);
    }
  }

  private void authorize(HttpRequest.Builder request) {
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token.trim());
    }
  }

  private Answer send(HttpRequest.Builder request, String path, String accept) {
    request.timeout(Duration.ofSeconds(60)).header("Accept", accept);
    authorize(request);
    HttpResponse<String> response = call(request.build(), HttpResponse.BodyHandlers.ofString());
    String body = response.body() == null ? "" : response.body();
    JsonNode json = parse(body);
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Answer(body, json);
    }
    throw refused(status, json, path);
  }

  private <T> HttpResponse<T> call(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (ConnectException e) {
      throw unreachable("connection refused");
    } catch (HttpTimeoutException e) {
      throw unreachable("no answer in time");
    } catch (IOException e) {
      throw unreachable(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("interrupted");
    }
  }

  /** The API's answer to a refused call, as the CLI reports it. */
  private static CliException refused(int status, JsonNode json, String path) {
    String message =
        json != null && json.hasNonNull("message")
            ? json.get("message").asText()
            : "HTTP " + status + " from " + path;
    if (status == 401) {
      return new CliException(
          CliException.UNAUTHORIZED, "the operator refused the token (401): " + message);
    }
    return new CliException(CliException.FAILED, message);
  }

  private CliException unreachable(String why) {
    return new CliException(
        CliException.UNREACHABLE, "cannot reach the operator at " + server + ": " + why);
  }

  private static JsonNode parse(String body) {
    if (body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
