package org.weft.orchestrator.access;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * A refused request's answer, as RFC 9457 problem details like every other error of the API, with
 * the {@code WWW-Authenticate} challenge of RFC 6750 on a 401.
 */
final class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final String TYPE_BASE = "https://weft.example/problems/";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    boolean presented = request.getHeader(HttpHeaders.AUTHORIZATION) != null;
    // the reason stays in the challenge's terms; the token's content is never echoed back
    var challenge = presented ? "Bearer error=\"invalid_token\", error_description=\"The token is not accepted\""
        : "Bearer";
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
    var detail = !presented ? "This API needs a bearer token from the gateways' OpenID provider"
        : e instanceof InvalidBearerTokenException
            ? "The bearer token is not accepted: it is malformed, expired, badly signed, from another issuer or for another audience"
            : "The bearer token is not accepted";
    write(response, HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail);
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    write(response, HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
        "The token's roles do not allow " + request.getMethod() + " " + request.getRequestURI());
  }

  private static void write(HttpServletResponse response, HttpStatus status, String type, String title, String detail)
      throws IOException {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", TYPE_BASE + type);
    body.put("title", title);
    body.put("status", status.value());
    body.put("detail", detail);
    response.setStatus(status.value());
    response.setContentType("application/problem+json");
    response.getOutputStream().write(JSON.writeValueAsBytes(body));
  }
}
