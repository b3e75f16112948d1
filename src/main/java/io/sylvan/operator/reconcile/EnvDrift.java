package io.sylvan.operator.reconcile;

import io.sylvan.operator.pipeline.EnvFile;
import io.sylvan.operator.pipeline.EnvSecrets;
import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A change of {@code spec.env.encryptedFile} is a change of desired state: it is drift when the
 * serving release was decrypted from another encrypted file (compared by the encrypted file's
 * SHA-256, so the loop never decrypts to look). Re-encrypting the same values for new recipients
 * counts as a change too: the app reloads once with equal values.
 */
final class EnvDrift {

  private EnvDrift() {}

  /** {@code obs}, or an {@link Drift#ENV} observation when only the env file differs. */
  static Observation check(DeploySpec spec, Observation obs, EnvSecrets secrets) {
    if (obs.drift() != Drift.NONE || !spec.spec().env().encrypted()) {
      return obs;
    }
    Optional<String> desired = secrets.sourceHash(spec);
    Optional<String> serving = obs.currentRelease().flatMap(EnvSecrets::sourceHashOf);
    if (desired.isEmpty() || desired.equals(serving)) {
      return obs;
    }
    String detail =
        "env file "
            + spec.spec().env().encryptedFile()
            + " changed (encrypted sha256 "
            + desired.get().substring(0, 12)
            + ", serving "
            + serving.map(h -> h.substring(0, 12)).orElse("none")
            + ")";
    return new Observation(
        obs.currentRelease(),
        obs.currentCommit(),
        obs.processes(),
        obs.runningCommit(),
        Drift.ENV,
        detail);
  }

  /**
   * Whether the new env file changes what a build bakes in ({@code NEXT_PUBLIC_*}): then the commit
   * is built again. False when it does not decrypt: validation halts on that with its message.
   */
  static boolean changesBuild(DeploySpec spec, Path release, EnvSecrets secrets) {
    try {
      Map<String, String> next = secrets.decrypt(spec).buildValues();
      Map<String, String> now = new TreeMap<>();
      EnvFile.read(release.resolve(EnvSecrets.RELEASE_ENV))
          .forEach(
              (k, v) -> {
                if (k.startsWith("NEXT_PUBLIC_")) {
                  now.put(k, v);
                }
              });
      return !Objects.equals(next, now);
    } catch (Age.AgeException | IOException e) {
      return false;
    }
  }
}
