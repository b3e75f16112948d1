package io.sylvan.operator.ui;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.webjars.WebJarVersionLocator;

/**
 * The dashboard's assets (htmx and its SSE extension from their webjars, our stylesheet and the few
 * lines that end a page's event stream when it is left) under {@code /ui/assets/<version>/}, where
 * the version is a digest of their contents: a browser may cache them for a year (immutable), and a
 * new release of any of them has a new path.
 */
@Path("/ui/assets/{version}/{file}")
public class UiAssets {

  private static final Map<String, Asset> ASSETS = new LinkedHashMap<>();
  static final String VERSION;

  private record Asset(byte[] bytes, String type) {}

  static {
    WebJarVersionLocator webjars = new WebJarVersionLocator();
    ASSETS.put(
        "htmx.min.js", load(webjar(webjars, "htmx.org", "dist/htmx.min.js"), "text/javascript"));
    ASSETS.put("sse.js", load(webjar(webjars, "htmx-ext-sse", "sse.js"), "text/javascript"));
    ASSETS.put("live.js", load("ui/live.js", "text/javascript"));
    ASSETS.put("dashboard.css", load("ui/dashboard.css", "text/css"));
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      ASSETS.values().forEach(a -> digest.update(a.bytes()));
      VERSION = HexFormat.of().formatHex(digest.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Where a page links its assets. */
  static String prefix() {
    return "/ui/assets/" + VERSION;
  }

  @GET
  public Response get(@PathParam("version") String version, @PathParam("file") String file) {
    Asset asset = ASSETS.get(file);
    if (asset == null || !VERSION.equals(version)) {
      // An old version's path is not served stale: the page that asked is out of date itself.
      throw new NotFoundException();
    }
    return Response.ok(asset.bytes(), asset.type() + "; charset=utf-8")
        .header(HttpHeaders.CACHE_CONTROL, "public, max-age=31536000, immutable")
        .build();
  }

  private static String webjar(WebJarVersionLocator webjars, String name, String file) {
    String path = webjars.fullPath(name, file);
    if (path == null) {
      throw new IllegalStateException("the " + name + " webjar has no " + file);
    }
    return path;
  }

  private static Asset load(String resource, String type) {
    try (InputStream in = UiAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the class path");
      }
      return new Asset(in.readAllBytes(), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
