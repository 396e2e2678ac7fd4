package org.weft.orchestrator.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Problem details for the errors Tomcat answers itself, before any servlet sees the request: a URL
 * with a malformed percent-encoding or a character the HTTP grammar forbids, a request line too
 * long. Tomcat's own report is an HTML page; an API client expects the same problem+json as from
 * every other error. Errors that Spring MVC answered already have a body and are left alone.
 */
public class ContainerErrorValve extends ErrorReportValve {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    var known = HttpStatus.resolve(status);
    var problem = new LinkedHashMap<String, Object>();
    problem.put("type", ApiProblem.TYPE_BASE + (status == 400 ? "malformed-request" : "http-" + status));
    problem.put("title", known == null ? "HTTP " + status : known.getReasonPhrase());
    problem.put("status", status);
    problem.put("detail", status == 400
        ? "The request line or its headers could not be read: a malformed percent-encoding, or a character HTTP does not allow"
        : "The server could not handle this request");
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      var writer = response.getReporter();
      if (writer != null) {
        writer.write(JSON.writeValueAsString(problem));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response was committed meanwhile: nothing more to say
    }
  }

  /** Makes this valve the error report of the host, in place of Tomcat's HTML page. */
  @Component
  static class Installer implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
      factory.addContextCustomizers(context -> {
        if (context.getParent() instanceof StandardHost host) {
          host.setErrorReportValveClass(ContainerErrorValve.class.getName());
        }
      });
    }
  }
}
