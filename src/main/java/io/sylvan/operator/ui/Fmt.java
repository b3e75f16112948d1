package io.sylvan.operator.ui;

import io.sylvan.operator.runtime.Redactor;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** How the dashboard writes times, durations and commits: the same everywhere. */
final class Fmt {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{7,64}");

  private Fmt() {}

  static String time(Instant at) {
    return at == null ? "-" : TIME.format(at);
  }

  /** {@code 850 ms}, {@code 12.3 s}, {@code 4 min 05 s}; {@code -} when unknown. */
  static String duration(Long ms) {
    if (ms == null) {
      return "-";
    }
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    return String.format(java.util.Locale.ROOT, "%d min %02d s", ms / 60_000, ms / 1000 % 60);
  }

  /** A spec revision (a commit of the spec repository or a digest) to 12 characters. */
  static String revision(String revision) {
    if (revision == null || revision.isBlank()) {
      return "-";
    }
    return revision.length() > 12 ? revision.substring(0, 12) : revision;
  }

  /**
   * A commit as shown: its short sha and, when the repository is a web URL, a link to the commit on
   * it. The link never carries credentials: user info is dropped and the rest redacted.
   */
  static UiViews.Commit commit(String sha, String repository) {
    if (sha == null || sha.isBlank()) {
      return new UiViews.Commit("-", null, null);
    }
    String shortSha = sha.length() > 7 ? sha.substring(0, 7) : sha;
    return new UiViews.Commit(shortSha, sha, commitUrl(repository, sha));
  }

  static String commitUrl(String repository, String sha) {
    if (repository == null || !SHA.matcher(sha).matches()) {
      return null;
    }
    try {
      URI uri = URI.create(repository.strip());
      String scheme = uri.getScheme();
      if (uri.getHost() == null
          || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
        return null;
      }
      String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("(\\.git)?/*$", "");
      String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
      return Redactor.patterns(
          scheme.toLowerCase(java.util.Locale.ROOT)
              + "://"
              + uri.getHost()
              + port
              + path
              + "/commit/"
              + sha);
    } catch (IllegalArgumentException notAUri) {
      return null;
    }
  }
}
