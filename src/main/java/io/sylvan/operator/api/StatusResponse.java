package io.sylvan.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** {@code GET /status}: where the desired state comes from, and every environment. */
public record StatusResponse(SpecSourceStatus specSource, List<EnvironmentStatus> environments) {

  /** {@code error} is set while the source is unreadable; the last good view is still shown. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SpecSourceStatus(
      String source, String revision, Instant loadedAt, String error, Instant errorSince) {}
}
