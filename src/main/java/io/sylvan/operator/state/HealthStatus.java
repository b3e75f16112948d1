package io.sylvan.operator.state;

/** The seed's health check outcome. */
public enum HealthStatus implements WireEnum {
  HEALTHY,
  UNHEALTHY;

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<HealthStatus> {
    public JpaConverter() {
      super(HealthStatus.class);
    }
  }
}
