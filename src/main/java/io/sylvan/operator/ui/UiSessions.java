package io.sylvan.operator.ui;

import io.sylvan.operator.api.TokenFilter;
import io.sylvan.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dashboard sign-in without server-side session storage: a session is {@code
 * <expiry>.<nonce>.<HMAC>} signed with a key drawn at start, so a restart signs everyone out and
 * nothing about the API token is in the cookie. The CSRF token of a session is its own HMAC, so a
 * form posted from another site (which cannot read our pages) has none. Signed-out sessions are
 * remembered until they would have expired.
 */
@ApplicationScoped
public class UiSessions {

  public static final String COOKIE = "sylvan_session";

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  @Inject OperatorConfig config;

  private final byte[] key = new byte[32];
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Instant> signedOut = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();

  UiSessions() {
    random.nextBytes(key);
  }

  /** Whether {@code token} is the API token (constant time). */
  public boolean tokenMatches(String token) {
    return TokenFilter.matches(config, token);
  }

  /** A new session value, valid for {@code sylvan.ui.session-lifetime}. */
  public String issue() {
    return signed("session", clock.instant().plus(config.ui().sessionLifetime()));
  }

  /** Whether {@code value} is a session this process issued, unexpired and not signed out. */
  public boolean valid(String value) {
    return verified("session", value) && !signedOut.containsKey(value);
  }

  /** Ends a session before its expiry. */
  public void signOut(String value) {
    if (verified("session", value)) {
      Instant now = clock.instant();
      signedOut.values().removeIf(expiry -> expiry.isBefore(now));
      signedOut.put(value, expiry(value));
    }
  }

  /** The CSRF token of a signed-in session's forms. */
  public String csrfFor(String session) {
    return mac("csrf|" + session);
  }

  /** A CSRF token for the sign-in form, which has no session yet: signed, expiring. */
  public String signInCsrf() {
    return signed("sign-in", clock.instant().plus(config.ui().sessionLifetime()));
  }

  /** Whether {@code given} is the CSRF token for a form of {@code session} (null: sign-in form). */
  public boolean csrfMatches(String session, String given) {
    if (given == null) {
      return false;
    }
    if (session == null) {
      return verified("sign-in", given);
    }
    return MessageDigest.isEqual(
        csrfFor(session).getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The signature of a notice the dashboard itself put into a redirect: a crafted link cannot make
   * the page say something the operator did not.
   */
  public String noticeSignature(String notice) {
    return mac("notice|" + notice);
  }

  /** Whether {@code signature} is the one {@link #noticeSignature} gave for {@code notice}. */
  public boolean noticeSigned(String notice, String signature) {
    return notice != null
        && signature != null
        && MessageDigest.isEqual(
            noticeSignature(notice).getBytes(StandardCharsets.US_ASCII),
            signature.getBytes(StandardCharsets.US_ASCII));
  }

  /** How long a session cookie lives, in seconds. */
  public long maxAgeSeconds() {
    return config.ui().sessionLifetime().toSeconds();
  }

  private String signed(String purpose, Instant expiry) {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String body = expiry.getEpochSecond() + "." + B64.encodeToString(nonce);
    return body + "." + mac(purpose + "|" + body);
  }

  private boolean verified(String purpose, String value) {
    if (value == null) {
      return false;
    }
    int last = value.lastIndexOf('.');
    if (last < 0 || value.indexOf('.') == last) {
      return false;
    }
    String body = value.substring(0, last);
    boolean signedHere =
        MessageDigest.isEqual(
            mac(purpose + "|" + body).getBytes(StandardCharsets.US_ASCII),
            value.substring(last + 1).getBytes(StandardCharsets.US_ASCII));
    return signedHere && expiry(value).isAfter(clock.instant());
  }

  private static Instant expiry(String value) {
    try {
      return Instant.ofEpochSecond(Long.parseLong(value.substring(0, value.indexOf('.'))));
    } catch (NumberFormatException e) {
      return Instant.EPOCH;
    }
  }

  private String mac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return B64.encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Whether the optional session cookie value is a valid session. */
  public Optional<String> session(String cookie) {
    return valid(cookie) ? Optional.of(cookie) : Optional.empty();
  }
}
