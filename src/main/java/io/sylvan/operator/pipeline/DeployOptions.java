package io.sylvan.operator.pipeline;

/** The seed's {@code deploy-update.sh} flags. */
public record DeployOptions(boolean force, boolean skipBackup, boolean skipHealthCheck) {

  public static final DeployOptions NONE = new DeployOptions(false, false, false);
}
