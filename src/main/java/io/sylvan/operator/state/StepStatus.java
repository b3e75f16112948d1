package io.sylvan.operator.state;

/** The seed's step statuses, plus {@code skipped} for steps an option or the spec switched off. */
public enum StepStatus implements WireEnum {
  PENDING,
  RUNNING,
  COMPLETED,
  FAILED,
  SKIPPED;

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<StepStatus> {
    public JpaConverter() {
      super(StepStatus.class);
    }
  }
}
