package io.sylvan.operator.state;

/** The seed's deployment types plus {@code rollback}. */
public enum DeploymentType implements WireEnum {
  INITIAL,
  UPDATE,
  ROLLBACK;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<DeploymentType> {
    public JpaConverter() {
      super(DeploymentType.class);
    }
  }
}
