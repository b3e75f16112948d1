package io.sylvan.operator.fleet;

import java.time.Instant;
import java.util.Map;

/**
 * One node as {@code GET /nodes} shows it. {@code ready} and {@code leaseAgeSeconds} come from
 * PostgreSQL's clock; {@code self} marks the row of the process that answers.
 */
public record NodeInfo(
    String name,
    Map<String, String> labels,
    String operatorVersion,
    double leaseAgeSeconds,
    boolean ready,
    Instant startedAt,
    boolean self) {}
