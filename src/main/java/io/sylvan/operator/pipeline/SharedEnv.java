package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Links the shared env file into a release. Linked before the build so Next.js sees its {@code
 * NEXT_PUBLIC_*} values at build time, and again at the switch in case it changed.
 */
final class SharedEnv {

  private SharedEnv() {}

  static void link(DeploymentContext ctx, Path release) throws IOException {
    if (ctx.s().env().encrypted()) {
      // The release holds its own decrypted env file (WriteEnvStep).
      return;
    }
    Path envFile = ctx.envFile();
    if (!Files.isRegularFile(envFile)) {
      return;
    }
    Path target = release.resolve(envFile.getFileName().toString());
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.isSymbolicLink(target) && Files.readSymbolicLink(target).equals(envFile)) {
        return;
      }
      // A committed env file never overrides the shared one.
      Files.delete(target);
    }
    Files.createSymbolicLink(target, envFile);
  }
}
