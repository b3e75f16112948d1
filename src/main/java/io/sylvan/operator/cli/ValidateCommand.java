package io.sylvan.operator.cli;

import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.Dotenv;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.spec.SpecError;
import io.sylvan.operator.spec.SpecFolder;
import io.sylvan.operator.spec.SpecParser;
import io.sylvan.operator.spec.SpecSnapshot;
import io.sylvan.operator.spec.SpecSourceException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Offline check of a deploy-specs folder (every {@code *.yaml}/{@code *.yml} directly in it, with
 * the one-file-per-environment rule and the unique port, PM2 app name and target root rules) or of
 * one file, with the operator's own parser and folder reader. Prints every error as {@code
 * file:line:column: field: message} and exits 1, so it fits a pre-commit hook or the CI of a
 * deploy-specs repository.
 */
@Command(
    name = "validate",
    description = "Check a deploy-specs folder or one spec file offline; exit 1 on any error.")
class ValidateCommand extends CtlCommand {

  @Parameters(index = "0", paramLabel = "<path>", description = "A folder of *.yaml, or a file.")
  Path path;

  @Option(
      names = "--secrets",
      description =
          "Also decrypt each spec's env.encryptedFile (relative to the folder that holds the spec"
              + " folder) and list its keys, never values; needs --identity.")
  boolean secrets;

  @Option(
      names = "--identity",
      paramLabel = "<file>",
      description = "The age identity to decrypt with (mode 600), e.g. a node's or your own.")
  Path identity;

  @Override
  int execute() {
    SpecFolder.Contents contents = read(path);
    if (contents.isEmpty()) {
      throw new CliException(CliException.FAILED, "no *.yaml or *.yml spec files in " + path);
    }
    SpecSnapshot snapshot = SpecFolder.parse(new SpecParser(), "local", contents);
    int errors = 0;
    for (SpecSnapshot.InvalidSpec invalid : snapshot.invalid()) {
      for (SpecError error : invalid.errors()) {
        err().println(error);
        errors++;
      }
    }
    int files = contents.size();
    if (errors > 0) {
      err()
          .printf(
              "%d error%s in %d of %d spec files%n",
              errors, errors == 1 ? "" : "s", snapshot.invalid().size(), files);
      return CliException.FAILED;
    }
    out()
        .printf(
            "OK: %d spec file%s valid (%s)%n",
            files, files == 1 ? "" : "s", String.join(", ", snapshot.valid().keySet()));
    return secrets ? checkSecrets(snapshot) : 0;
  }

  /**
   * Decrypts every encrypted env file the valid specs name and prints its key names; a file that
   * does not decrypt or lacks a required key is an error. Values are never printed.
   */
  private int checkSecrets(SpecSnapshot snapshot) {
    if (identity == null) {
      throw new CliException(CliException.FAILED, "--secrets needs --identity <age identity file>");
    }
    Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    Path root = folder.toAbsolutePath().normalize().getParent();
    Age age = new Age();
    int errors = 0;
    for (DeploySpec spec : snapshot.valid().values()) {
      String rel = spec.spec().env().encryptedFile();
      if (rel == null) {
        continue;
      }
      Path file = root.resolve(rel).normalize();
      try {
        if (!file.startsWith(root)) {
          throw new Age.AgeException(rel + " leads outside " + root);
        }
        Map<String, String> values =
            Dotenv.parse(new String(age.decrypt(identity, file), StandardCharsets.UTF_8));
        List<String> missing =
            spec.spec().env().required().stream()
                .filter(k -> values.getOrDefault(k, "").isBlank())
                .toList();
        if (!missing.isEmpty()) {
          throw new Age.AgeException(
              "required keys missing or empty in " + rel + ": " + String.join(", ", missing));
        }
        out()
            .printf(
                "%s: %s decrypts: %s (%d key%s)%n",
                spec.sourceFile(),
                rel,
                String.join(", ", values.keySet()),
                values.size(),
                values.size() == 1 ? "" : "s");
      } catch (Age.AgeException e) {
        err().println(spec.sourceFile() + ": " + e.getMessage());
        errors++;
      }
    }
    return errors == 0 ? 0 : CliException.FAILED;
  }

  /**
   * The spec entries of a folder, or one file, by the operator's rules (symbolic links and other
   * non-regular files are reported, never read); named as the path given plus the file name.
   */
  private static SpecFolder.Contents read(Path path) {
    try {
      if (Files.isDirectory(path)) {
        return SpecFolder.read(path).renamed(name -> path.resolve(name).toString());
      }
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        return SpecFolder.readFile(path).renamed(name -> path.toString());
      }
      throw new CliException(CliException.FAILED, path + " is neither a file nor a folder");
    } catch (SpecSourceException e) {
      throw new CliException(CliException.FAILED, e.getMessage());
    }
  }
}
