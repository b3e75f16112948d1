package io.sylvan.operator.spec;

/**
 * Where the desired state comes from: a folder of {@code <environment>.yaml} spec files, either on
 * the local disk or inside a git repository.
 *
 * <p>Implementations are safe to call from several threads; loads of one source are serialized.
 */
public interface SpecSource {

  /**
   * Reads every spec file of the source as it is now.
   *
   * <p>Broken spec files do not make the load fail: they are listed in {@link
   * SpecSnapshot#invalid()} next to the valid environments.
   *
   * @return the valid and invalid specs, stamped with the source's revision
   * @throws SpecSourceException when the source itself cannot be read (missing folder, unreachable
   *     repository, timeout); the message is meant for operators and contains no credentials
   */
  SpecSnapshot load() throws SpecSourceException;

  /**
   * A one-line description for logs and status pages, e.g. {@code git
   * https://***@git.example.com/ops/specs.git branch main path deploy-specs}. Never contains
   * credentials.
   */
  String describe();
}
