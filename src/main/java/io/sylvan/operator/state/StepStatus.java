package io.sylvan.operator.state;

/** The seed's step statuses, plus {@code skipped} for steps an option or the spec switched off. */
public enum StepStatus implements WireEnum {
  PENDING,
  RUNNING,
  COMPLETED,
  FAILED,
  SKIPPED;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<StepStatus> {
    public JpaConverter() {
      super(StepStatus.class);
    }
  }
}
