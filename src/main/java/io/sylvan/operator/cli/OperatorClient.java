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
    return send(HttpRequest.newBuilder(uri(path)).GET(), path);
  }

  Answer post(String path) {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()), path);
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

  private Answer send(HttpRequest.Builder request, String path) {
    request.timeout(Duration.ofSeconds(60)).header("Accept", "application/json");
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token.trim());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
    String body = response.body() == null ? "" : response.body();
    JsonNode json = parse(body);
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Answer(body, json);
    }
    String message =
        json != null && json.hasNonNull("message")
            ? json.get("message").asText()
            : "HTTP " + status + " from " + path;
    if (status == 401) {
      throw new CliException(
          CliException.UNAUTHORIZED, "the operator refused the token (401): " + message);
    }
    throw new CliException(CliException.FAILED, message);
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
