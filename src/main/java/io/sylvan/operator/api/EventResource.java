package io.sylvan.operator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sylvan.operator.observe.Event;
import io.sylvan.operator.observe.EventSink;
import io.sylvan.operator.observe.Events;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Live events as Server-Sent Events (docs/events.md): readable without a token, like {@code
 * /status}, and so with the same path rules ({@link PublicPaths}). A client that reconnects with
 * {@code Last-Event-ID} gets what it missed from the buffer, or {@code reset} when that is gone.
 */
@Path("/events")
@Tag(name = "events")
public class EventResource {

  @Inject Events events;
  @Inject StatusService status;
  @Inject PublicPaths paths;
  @Inject ObjectMapper mapper;

  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @Operation(
      summary =
          "Live events (Server-Sent Events): deployment.started, step.started, step.finished,"
              + " health.checked, deployment.finished, condition.changed, drift.detected; env=<name>"
              + " keeps one environment's; Last-Event-ID replays the buffered events after it")
  @APIResponse(
      responseCode = "200",
      description =
          "An open stream of events: 'id: <long>', 'event: <type>', 'data: <one line of JSON>';"
              + " 'reset' when Last-Event-ID is older than the buffer; a comment every 15 s"
              + " (docs/events.md)",
      content =
          @Content(
              mediaType = MediaType.SERVER_SENT_EVENTS,
              schema = @Schema(type = SchemaType.STRING)))
  public void stream(
      @QueryParam("env") String env,
      @HeaderParam("Last-Event-ID")
          @Parameter(description = "The id of the last event received; replays what came after")
          String lastEventId,
      @Context SseEventSink sink,
      @Context Sse sse) {
    Long last = lastEventId == null || lastEventId.isBlank() ? null : lastId(lastEventId);
    if (env != null && status.environment(env).isEmpty()) {
      throw ApiException.notFound("no environment named '" + env + "'");
    }
    events.bus().subscribe(env, last, new SseSink(sink, sse, this::shown));
  }

  /** The last event shown and its text: every subscriber is sent the same event at about once. */
  private final AtomicReference<Shown> lastShown = new AtomicReference<>();

  private static final class Shown {
    final long id;
    final String json;

    Shown(long id, String json) {
      this.id = id;
      this.json = json;
    }
  }

  /**
   * An event's JSON as a client without a token may see it: paths as {@code /status} shows them.
   * Worked out once per event, not once per subscriber.
   */
  private String shown(Event event) {
    Shown last = lastShown.get();
    if (last != null && last.id == event.id()) {
      return last.json;
    }
    try {
      String json = mapper.writeValueAsString(paths.scrub(mapper.readTree(event.json())));
      lastShown.set(new Shown(event.id(), json));
      return json;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an event is not JSON", e);
    }
  }

  private static long lastId(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badParameter(
          "Last-Event-ID", "Last-Event-ID must be an event id, got '" + Params.shown(value) + "'");
    }
  }

  /** One SSE connection as the bus's sink: each event's data is its one line of JSON. */
  private static final class SseSink implements EventSink {
    private final SseEventSink sink;
    private final Sse sse;
    private final Function<Event, String> shown;

    SseSink(SseEventSink sink, Sse sse, Function<Event, String> shown) {
      this.sink = sink;
      this.sse = sse;
      this.shown = shown;
    }

    @Override
    public CompletionStage<?> send(Event event) {
      if (sink.isClosed()) {
        return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
      }
      OutboundSseEvent out =
          event.keepAlive()
              ? sse.newEventBuilder().comment("keep-alive").build()
              : sse.newEventBuilder()
                  .id(Long.toString(event.id()))
                  .name(event.type())
                  .mediaType(MediaType.TEXT_PLAIN_TYPE)
                  .data(shown.apply(event))
                  .build();
      return sink.send(out);
    }

    @Override
    public void close() {
      sink.close();
    }
  }
}
