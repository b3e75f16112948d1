package io.sylvan.operator.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * An enum whose stored and JSON form is the seed's lower-case wording ({@code in_progress}, {@code
 * rolled_back}, ...) rather than the Java constant name.
 *
 * <p>Every implementing enum declares {@link #wire()} itself (overriding it, if only to call the
 * default): SmallRye OpenAPI invokes the {@code @JsonValue} method it finds on the enum class, so
 * {@code /q/openapi} lists the same values the JSON carries (WireEnumTest checks it).
 */
public interface WireEnum {

  /** The constant's name, lower-cased; enums with other wording override it. */
  @JsonValue
  default String wire() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
  }

  static <E extends Enum<E> & WireEnum> E fromWire(Class<E> type, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.wire().equalsIgnoreCase(value)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown " + type.getSimpleName() + ": " + value);
  }
}
