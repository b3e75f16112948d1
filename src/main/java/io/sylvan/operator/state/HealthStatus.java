package io.sylvan.operator.state;

/** The seed's health check outcome. */
public enum HealthStatus implements WireEnum {
  HEALTHY,
  UNHEALTHY;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<HealthStatus> {
    public JpaConverter() {
      super(HealthStatus.class);
    }
  }
}
