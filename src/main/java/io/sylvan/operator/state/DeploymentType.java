package io.sylvan.operator.state;

/** The seed's deployment types plus {@code rollback}. */
public enum DeploymentType implements WireEnum {
  INITIAL,
  UPDATE,
  ROLLBACK;

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<DeploymentType> {
    public JpaConverter() {
      super(DeploymentType.class);
    }
  }
}
