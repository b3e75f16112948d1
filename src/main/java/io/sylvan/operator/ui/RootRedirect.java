package io.sylvan.operator.ui;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** The operator's root is the dashboard. */
@Path("/")
public class RootRedirect {

  @GET
  public Response root() {
    return Response.seeOther(URI.create("/ui")).build();
  }
}
