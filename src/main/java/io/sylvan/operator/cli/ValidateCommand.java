package io.sylvan.operator.cli;

import io.sylvan.operator.spec.SpecError;
import io.sylvan.operator.spec.SpecParser;
import io.sylvan.operator.spec.SpecSnapshot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Offline check of a deploy-specs folder (every {@code *.yaml}/{@code *.yml} directly in it, with
 * the one-file-per-environment rule) or of one file, with the operator's own parser. Prints every
 * error as {@code file:line:column: field: message} and exits 1, so it fits a pre-commit hook or
 * the CI of a deploy-specs repository.
 */
@Command(
    name = "validate",
    description = "Check a deploy-specs folder or one spec file offline; exit 1 on any error.")
class ValidateCommand extends CtlCommand {

  @Parameters(index = "0", paramLabel = "<path>", description = "A folder of *.yaml, or a file.")
  Path path;

  @Override
  int execute() {
    Map<String, String> files = read(path);
    if (files.isEmpty()) {
      throw new CliException(CliException.FAILED, "no *.yaml or *.yml spec files in " + path);
    }
    SpecSnapshot snapshot = new SpecParser().parseAll("local", files);
    int errors = 0;
    for (SpecSnapshot.InvalidSpec invalid : snapshot.invalid()) {
      for (SpecError error : invalid.errors()) {
        err().println(error);
        errors++;
      }
    }
    if (errors > 0) {
      err()
          .printf(
              "%d error%s in %d of %d spec files%n",
              errors, errors == 1 ? "" : "s", snapshot.invalid().size(), files.size());
      return CliException.FAILED;
    }
    out()
        .printf(
            "OK: %d spec file%s valid (%s)%n",
            files.size(),
            files.size() == 1 ? "" : "s",
            String.join(", ", snapshot.valid().keySet()));
    return 0;
  }

  /** File name as shown in messages (the path as given, plus the name) to its text. */
  private static Map<String, String> read(Path path) {
    Map<String, String> files = new TreeMap<>();
    try {
      if (Files.isRegularFile(path)) {
        files.put(path.toString(), Files.readString(path));
      } else if (Files.isDirectory(path)) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path, "*.{yaml,yml}")) {
          for (Path file : entries) {
            if (Files.isRegularFile(file)) {
              files.put(file.toString(), Files.readString(file));
            }
          }
        }
      } else {
        throw new CliException(CliException.FAILED, path + " is neither a file nor a folder");
      }
    } catch (IOException e) {
      throw new CliException(CliException.FAILED, "cannot read " + path + ": " + e.getMessage());
    }
    return files;
  }
}
