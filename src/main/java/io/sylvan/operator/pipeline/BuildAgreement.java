package io.sylvan.operator.pipeline;

/**
 * A hook between the build and the switch: does this node's build of the commit agree with the
 * builds of the other nodes it rolls out to? The pipeline knows nothing of fleets; the reconciler
 * gives a run an implementation when the environment is placed on several nodes.
 */
@FunctionalInterface
public interface BuildAgreement {

  /** Single-node runs: nothing to agree with. */
  BuildAgreement NONE = (buildId, staticDigest) -> {};

  /**
   * Records this node's build and checks it. Throws {@link StepFailure} (code {@link
   * FailureCode#BUILD_MISMATCH} for a mismatch) to fail the run before the switch.
   *
   * @param buildId the build id ({@code .next/BUILD_ID}); null for apps without one
   * @param staticDigest the digest of the static file set ({@link StaticFiles#digest})
   */
  void check(String buildId, String staticDigest) throws StepFailure;
}
