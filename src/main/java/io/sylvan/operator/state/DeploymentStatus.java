package io.sylvan.operator.state;

/** The seed's deployment statuses. */
public enum DeploymentStatus implements WireEnum {
  IN_PROGRESS,
  SUCCESS,
  FAILED,
  ROLLED_BACK;

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<DeploymentStatus> {
    public JpaConverter() {
      super(DeploymentStatus.class);
    }
  }
}
