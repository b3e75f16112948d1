package io.sylvan.operator.state;

/** The seed's deployment statuses. */
public enum DeploymentStatus implements WireEnum {
  IN_PROGRESS,
  SUCCESS,
  FAILED,
  ROLLED_BACK;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<DeploymentStatus> {
    public JpaConverter() {
      super(DeploymentStatus.class);
    }
  }
}
