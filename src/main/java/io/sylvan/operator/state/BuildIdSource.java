package io.sylvan.operator.state;

/** Who decided a Next.js release's build id ({@code <distDir>/BUILD_ID}). */
public enum BuildIdSource implements WireEnum {
  /** The operator pinned it to the commit (the app's next.config does not set one). */
  OPERATOR,
  /** The app's next.config sets its own {@code generateBuildId}; the operator left it alone. */
  APP,
  /**
   * Neither: the config could not be wrapped safely (a form Next does not read, or a wrapper that
   * did not load), so Next chose it; the build step output warns.
   */
  NEXT;

  // Declared here, not only inherited: the API description (SmallRye OpenAPI) reads the
  // @JsonValue method from the enum class itself, else it lists the Java names.
  @Override
  public String wire() {
    return WireEnum.super.wire();
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<BuildIdSource> {
    public JpaConverter() {
      super(BuildIdSource.class);
    }
  }
}
