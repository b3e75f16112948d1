package io.sylvan.operator.api;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.reconcile.ReconcileLoop;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The spec repository's push webhook (GitHub, Gitea and GitLab-compatible senders): verified by
 * HMAC-SHA256 of the raw body ({@code X-Hub-Signature-256: sha256=<hex>}), then the spec source is
 * read and every environment reconciled at once.
 */
@Path("/hooks/git")
@Tag(name = "hooks")
public class GitHookResource {

  static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

  @Inject OperatorConfig config;
  @Inject ReconcileLoop loop;

  public record HookAccepted(String specRevision) {}

  @POST
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Spec repository push: fetch the specs and reconcile now")
  public Response push(@HeaderParam(SIGNATURE_HEADER) String signature, byte[] body) {
    Optional<String> secret = config.auth().webhookSecret().filter(s -> !s.isBlank());
    if (secret.isEmpty()) {
      return unauthorized("no webhook secret is configured (sylvan.auth.webhook-secret)");
    }
    if (signature == null || !signature.startsWith("sha256=")) {
      return unauthorized("missing " + SIGNATURE_HEADER + " header");
    }
    byte[] expected = hmac(secret.get(), body == null ? new byte[0] : body);
    byte[] given;
    try {
      given = HexFormat.of().parseHex(signature.substring("sha256=".length()).trim());
    } catch (IllegalArgumentException e) {
      return unauthorized("malformed signature");
    }
    if (!MessageDigest.isEqual(expected, given)) {
      return unauthorized("signature does not match");
    }
    var snapshot = loop.refreshNow(Trigger.WEBHOOK);
    return Response.accepted(new HookAccepted(snapshot == null ? null : snapshot.revision()))
        .type(MediaType.APPLICATION_JSON)
        .build();
  }

  static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Response unauthorized(String message) {
    return Response.status(Response.Status.UNAUTHORIZED)
        .type(MediaType.APPLICATION_JSON)
        .entity(new ApiError(401, "Unauthorized", message, null))
        .build();
  }
}
