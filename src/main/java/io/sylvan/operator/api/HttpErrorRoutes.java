package io.sylvan.operator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The JSON error body for what Vert.x answers before JAX-RS sees a request: a path no route takes
 * (also one that only exists after {@code ..} is normalised away), a body over {@code
 * quarkus.http.limits.max-body-size} (413) and a request URI over {@link #MAX_URI_LENGTH} (414).
 * Vert.x's own line limit ({@code quarkus.http.limits.max-initial-line-length}) is set well above
 * ours so the JSON 414 answers first; only a request line over that gets Vert.x's bodiless 414, and
 * a chunked body (no {@code Content-Length}) over the limit gets RESTEasy Reactive's bodiless 413
 * once it has been read that far.
 */
@ApplicationScoped
public class HttpErrorRoutes {

  /** Longest request URI (path and query) served: Vert.x's former default line limit. */
  static final int MAX_URI_LENGTH = 4096;

  private static final Logger LOG = Logger.getLogger(HttpErrorRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
  MemorySize maxBodySize;

  void install(@Observes Router router) {
    // Before Quarkus's own upload limit, which answers 413 without a body.
    router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::limits);
    // After every route (JAX-RS, /q/*): nothing took the request.
    router.route().order(Integer.MAX_VALUE - 1).handler(this::notFound);
    router.route().order(Integer.MIN_VALUE).failureHandler(HttpErrorRoutes::failure);
  }

  private void limits(RoutingContext ctx) {
    String uri = ctx.request().uri();
    if (uri.length() > MAX_URI_LENGTH) {
      send(
          ctx,
          ApiError.of(
              414,
              "the request URI is "
                  + uri.length()
                  + " characters long; at most "
                  + MAX_URI_LENGTH
                  + " are served"));
      return;
    }
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long bytes;
      try {
        bytes = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        send(
            ctx,
            ApiError.of(400, "Content-Length is not a number: '" + Params.shown(length) + "'"));
        return;
      }
      if (bytes > maxBodySize.asLongValue()) {
        send(
            ctx,
            ApiError.of(
                413,
                "the request body has "
                    + bytes
                    + " bytes; at most "
                    + maxBodySize.asLongValue()
                    + " are accepted (quarkus.http.limits.max-body-size)"));
        return;
      }
    }
    ctx.next();
  }

  private void notFound(RoutingContext ctx) {
    send(
        ctx,
        ApiError.notFound(
            "no route for " + ctx.request().method() + " " + Params.shown(ctx.request().path())));
  }

  /** A request Vert.x or a route failed: 4xx as the JSON error, 5xx logged and JSON as well. */
  private static void failure(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      ctx.next();
      return;
    }
    int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
    if (status >= 500) {
      LOG.errorf(ctx.failure(), "%s %s failed", ctx.request().method(), ctx.request().path());
      send(ctx, ApiError.of(status, "internal error; the operator's log has the details"));
    } else {
      send(ctx, ApiError.of(status, ApiError.reason(status)));
    }
  }

  private static void send(RoutingContext ctx, ApiError error) {
    HttpServerResponse response = ctx.response();
    String body;
    try {
      body = JSON.writeValueAsString(error);
    } catch (JsonProcessingException e) {
      body = "{\"status\":" + error.status() + "}";
    }
    if (error.status() == 413 || error.status() == 414) {
      // The body (or the rest of the request) is not read: the connection cannot be reused.
      response.putHeader(HttpHeaders.CONNECTION, "close");
      response.endHandler(v -> ctx.request().connection().close());
    }
    response
        .setStatusCode(error.status())
        .setStatusMessage(error.error())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body);
  }
}
