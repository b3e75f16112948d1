package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sylvan.operator.runtime.Commits;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** An aligned text table, columns two spaces apart, and the cell formats the commands share. */
final class Table {

  private final List<String[]> rows = new ArrayList<>();

  Table(String... headers) {
    rows.add(headers);
  }

  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  void print(PrintWriter out) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], cell(row, i).length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(cell(row, i));
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - cell(row, i).length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String cell(String[] row, int i) {
    return i < row.length && row[i] != null ? row[i] : "";
  }

  /** A text field, or {@code -} when absent. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? "-" : v.asText();
  }

  /** An ISO instant to the second ({@code 2026-11-26 11:14:33Z}), or {@code -}. */
  static String time(JsonNode node, String field) {
    String v = text(node, field);
    int dot = v.indexOf('.');
    String seconds = dot > 0 ? v.substring(0, dot) + "Z" : v;
    return seconds.replace('T', ' ');
  }

  /** A commit shortened to 12 characters, or {@code -}. */
  static String sha(JsonNode node, String field) {
    String v = text(node, field);
    return Commits.short12(v);
  }
}
