package io.sylvan.operator.spec;

import java.nio.file.Path;
import java.util.Map;

/**
 * Specs in a local folder ({@code sylvan.specs.directory}): every {@code *.yaml}/{@code *.yml} file
 * directly inside it, in name order. The revision is a hash of the files' names and contents, so it
 * changes exactly when a spec changes.
 */
public final class LocalDirectorySpecSource implements SpecSource {

  private final Path dir;
  private final SpecParser parser = new SpecParser();

  public LocalDirectorySpecSource(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  @Override
  public SpecSnapshot load() throws SpecSourceException {
    Map<String, byte[]> files = SpecFolder.read(dir);
    return SpecFolder.parse(parser, SpecFolder.contentRevision(files), files);
  }

  @Override
  public String describe() {
    return "directory " + dir;
  }
}
