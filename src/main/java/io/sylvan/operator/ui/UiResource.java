package io.sylvan.operator.ui;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.sylvan.operator.api.ApiException;
import io.sylvan.operator.api.EnvironmentResource;
import io.sylvan.operator.api.RolloutResource;
import jakarta.inject.Inject;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;

/**
 * The dashboard: server-rendered pages (readable with JavaScript off) and the fragments htmx
 * re-fetches when an event arrives. Reading needs no sign-in, as {@code /status} needs no token;
 * every action is a POST form that needs a signed-in session and its CSRF token, and runs the same
 * code as the REST endpoint of that action.
 */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class UiResource {

  /** Qute checks these templates and every expression in them at build time. */
  @CheckedTemplate
  static class Templates {
    static native TemplateInstance overview(UiViews.OverviewPage page);

    static native TemplateInstance overview$row(UiViews.EnvRow row);

    static native TemplateInstance environment(UiViews.EnvironmentPage page);

    static native TemplateInstance deployment(UiViews.DeploymentPage page);

    static native TemplateInstance deployment$steps(UiViews.DeploymentPage page);

    static native TemplateInstance signIn(UiViews.SignInPage page);
  }

  @Inject UiService ui;
  @Inject UiSessions sessions;
  @Inject EnvironmentResource environments;
  @Inject RolloutResource rollouts;

  @GET
  public TemplateInstance overview(@CookieParam(UiSessions.COOKIE) String session) {
    return Templates.overview(ui.overview(layout("Environments", session, "/ui")));
  }

  @GET
  @Path("/rows/{env}")
  public Response row(@PathParam("env") String env) {
    return found(ui.row(env).map(Templates::overview$row), "no environment named " + env);
  }

  @GET
  @Path("/environments/{env}")
  public Response environment(
      @PathParam("env") String env,
      @QueryParam("before") String before,
      @QueryParam("notice") String notice,
      @QueryParam("sig") String signature,
      @CookieParam(UiSessions.COOKIE) String session) {
    Long beforeId = before == null || !before.matches("[0-9]{1,18}") ? null : Long.valueOf(before);
    return found(
        ui.environment(
                env,
                beforeId,
                layout(env, session, "/ui/environments/" + env),
                sessions.noticeSigned(notice, signature) ? notice : null)
            .map(Templates::environment),
        "no environment named " + env);
  }

  @GET
  @Path("/deployments/{id}")
  public Response deployment(
      @PathParam("id") String id, @CookieParam(UiSessions.COOKIE) String session) {
    return deploymentPart(id, session, Templates::deployment);
  }

  @GET
  @Path("/deployments/{id}/steps")
  public Response steps(
      @PathParam("id") String id, @CookieParam(UiSessions.COOKIE) String session) {
    return deploymentPart(id, session, Templates::deployment$steps);
  }

  @GET
  @Path("/sign-in")
  public TemplateInstance signInForm(@CookieParam(UiSessions.COOKIE) String session) {
    return signInPage(session, null);
  }

  @POST
  @Path("/sign-in")
  @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response signIn(
      @FormParam("token") String token,
      @FormParam("csrf") String csrf,
      @Context UriInfo uri,
      @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
    if (!sessions.csrfMatches(null, csrf)) {
      return refused("the form has expired or did not come from this dashboard: reload it");
    }
    if (!sessions.tokenMatches(token)) {
      return Response.status(Response.Status.UNAUTHORIZED)
          .entity(signInPage(null, "Wrong token, or no token is configured (sylvan.auth.token)."))
          .build();
    }
    return Response.seeOther(URI.create("/ui"))
        .cookie(cookie(sessions.issue(), secure(uri, forwardedProto), sessions.maxAgeSeconds()))
        .build();
  }

  @POST
  @Path("/sign-out")
  @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response signOut(
      @CookieParam(UiSessions.COOKIE) String session,
      @FormParam("csrf") String csrf,
      @Context UriInfo uri,
      @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
    Optional<Response> refused = refuse(session, csrf);
    if (refused.isPresent()) {
      return refused.get();
    }
    sessions.signOut(session);
    return Response.seeOther(URI.create("/ui"))
        .cookie(cookie("", secure(uri, forwardedProto), 0))
        .build();
  }

  @POST
  @Path(
      "/environments/{env}/{action:sync|suspend|resume|rollout/pause|rollout/resume|rollout/abort}")
  @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response act(
      @PathParam("env") String env,
      @PathParam("action") String action,
      @CookieParam(UiSessions.COOKIE) String session,
      @FormParam("csrf") String csrf) {
    return action(
        env,
        session,
        csrf,
        () -> {
          switch (action) {
            case "sync" -> environments.sync(env, null, null, null);
            case "suspend" -> environments.suspend(env);
            case "resume" -> environments.resume(env);
            case "rollout/pause" -> rollouts.pause(env);
            case "rollout/resume" -> rollouts.resume(env);
            default -> rollouts.abort(env);
          }
          return action.replace('/', ' ') + " requested";
        });
  }

  @POST
  @Path("/environments/{env}/rollback")
  @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response rollback(
      @PathParam("env") String env,
      @CookieParam(UiSessions.COOKIE) String session,
      @FormParam("csrf") String csrf,
      @FormParam("to") String to,
      @FormParam("reason") String reason) {
    return action(
        env,
        session,
        csrf,
        () -> {
          environments.rollback(env, to == null || to.isBlank() ? null : to, reason);
          return "rollback requested";
        });
  }

  /** An action's outcome in words, or an {@link ApiException} saying why it was refused. */
  private interface Action {
    String run();
  }

  /**
   * Runs an action of a signed-in session with a valid CSRF token, then shows the environment page
   * with what happened (Post/Redirect/Get: a reload does not repeat the action).
   */
  private Response action(String env, String session, String csrf, Action action) {
    Optional<Response> refused = refuse(session, csrf);
    if (refused.isPresent()) {
      return refused.get();
    }
    String notice;
    try {
      notice = action.run();
    } catch (ApiException e) {
      notice = "Refused: " + e.error().message();
    }
    return Response.seeOther(
            URI.create(
                "/ui/environments/"
                    + URLEncoder.encode(env, StandardCharsets.UTF_8)
                    + "?notice="
                    + URLEncoder.encode(notice, StandardCharsets.UTF_8)
                    + "&sig="
                    + sessions.noticeSignature(notice)))
        .build();
  }

  /** A 403 when the session is not signed in or the form's CSRF token is not the session's. */
  private Optional<Response> refuse(String session, String csrf) {
    if (!sessions.valid(session)) {
      return Optional.of(refused("sign in first: actions need the API token"));
    }
    if (!sessions.csrfMatches(session, csrf)) {
      return Optional.of(refused("the form's CSRF token is missing or wrong: reload the page"));
    }
    return Optional.empty();
  }

  private static Response refused(String why) {
    return Response.status(Response.Status.FORBIDDEN)
        .type(MediaType.TEXT_PLAIN_TYPE)
        .entity("403 Forbidden: " + why + "\n")
        .build();
  }

  private Response deploymentPart(
      String id, String session, Function<UiViews.DeploymentPage, TemplateInstance> template) {
    if (!id.matches("[0-9]{1,18}")) {
      return notFound("no deployment with id " + id);
    }
    return found(
        ui.deployment(Long.parseLong(id), layout("Deployment " + id, session, "/ui/deployments/"))
            .map(template),
        "no deployment with id " + id);
  }

  private TemplateInstance signInPage(String session, String error) {
    return Templates.signIn(
        new UiViews.SignInPage(
            layout("Sign in", session, "/ui/sign-in"), sessions.signInCsrf(), error));
  }

  private UiViews.Layout layout(String title, String session, String path) {
    boolean signedIn = sessions.valid(session);
    return new UiViews.Layout(
        title, signedIn, signedIn ? sessions.csrfFor(session) : null, UiAssets.prefix(), path);
  }

  private static Response found(Optional<TemplateInstance> page, String otherwise) {
    return page.map(p -> Response.ok(p).build()).orElseGet(() -> notFound(otherwise));
  }

  private static Response notFound(String what) {
    return Response.status(Response.Status.NOT_FOUND)
        .type(MediaType.TEXT_PLAIN_TYPE)
        .entity("404 Not Found: " + what + "\n")
        .build();
  }

  /** Secure when the browser reached us over https, directly or through a proxy that says so. */
  private static boolean secure(UriInfo uri, String forwardedProto) {
    return "https".equalsIgnoreCase(uri.getRequestUri().getScheme())
        || "https".equalsIgnoreCase(forwardedProto);
  }

  private static NewCookie cookie(String value, boolean secure, long maxAge) {
    return new NewCookie.Builder(UiSessions.COOKIE)
        .value(value)
        .path("/ui")
        .httpOnly(true)
        .secure(secure)
        .sameSite(NewCookie.SameSite.STRICT)
        .maxAge((int) maxAge)
        .build();
  }
}
