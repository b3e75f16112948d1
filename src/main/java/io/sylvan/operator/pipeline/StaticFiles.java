package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The digest of a release's static file set ({@code <distDir>/static}): what browsers fetch by
 * hashed name, so every node serving one commit must serve the same set.
 */
public final class StaticFiles {

  private StaticFiles() {}

  /**
   * SHA-256 over the sorted relative paths, sizes and content hashes of {@code <distDir>/static} of
   * {@code release}; the digest of the empty set when there is none.
   */
  public static String digest(Path release) throws IOException {
    Path dir = release.resolve(NextBuildIdentity.distDirOf(release)).resolve("static");
    StringBuilder listing = new StringBuilder();
    if (Files.isDirectory(dir)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        listing
            .append(dir.relativize(f).toString().replace('\\', '/'))
            .append(' ')
            .append(Files.size(f))
            .append(' ')
            .append(Hashes.sha256(f))
            .append('\n');
      }
    }
    return "sha256:" + Hashes.sha256(listing.toString());
  }

  /** The build id of {@code release} ({@code <distDir>/BUILD_ID}), or null. */
  public static String buildId(Path release) {
    return NextBuildIdentity.buildId(release).orElse(null);
  }
}
