package io.sylvan.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP endpoint on loopback standing in for a Slack-style alert webhook. It answers 503 to
 * the very first request, so the operator's retry is exercised, and 200 afterwards.
 */
final class AlertRecorder {

  /** One request as received, and whether it was accepted. */
  record Received(JsonNode body, boolean accepted) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger count = new AtomicInteger();

  AlertRecorder() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/alerts",
        exchange -> {
          JsonNode body = new ObjectMapper().readTree(exchange.getRequestBody());
          boolean accept = count.incrementAndGet() > 1;
          received.add(new Received(body, accept));
          exchange.sendResponseHeaders(accept ? 200 : 503, -1);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
  }

  List<Received> received() {
    return List.copyOf(received);
  }
}
