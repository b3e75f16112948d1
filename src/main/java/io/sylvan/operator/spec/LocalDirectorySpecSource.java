package io.sylvan.operator.spec;

import java.nio.file.Path;

/**
 * Specs in a local folder ({@code sylvan.specs.directory}): every {@code *.yaml}/{@code *.yml} file
 * directly inside it, in name order (symbolic links and other non-regular files are reported, never
 * read). The revision is a hash of the files' names and contents, so it changes exactly when a spec
 * changes.
 */
public final class LocalDirectorySpecSource implements SpecSource {

  private final Path dir;
  private final SpecParser parser;

  public LocalDirectorySpecSource(Path dir) {
    this(dir, new SpecParser());
  }

  public LocalDirectorySpecSource(Path dir, SpecParser parser) {
    this.dir = dir.toAbsolutePath().normalize();
    this.parser = parser;
  }

  @Override
  public SpecSnapshot load() throws SpecSourceException {
    SpecFolder.Contents contents = SpecFolder.read(dir);
    return SpecFolder.parse(parser, SpecFolder.contentRevision(contents), contents);
  }

  @Override
  public String describe() {
    return "directory " + dir;
  }
}
