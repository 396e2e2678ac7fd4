package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written by hand, for requests no HTTP client library sends: request lines with
 * malformed escapes or forbidden characters, as a broken or hostile client might.
 */
public final class RawHttp {

  private RawHttp() {}

  public record Answer(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /** {@code GET target} sent as written, with the connection closed after the answer. */
  public static Answer get(int port, String target) throws IOException {
    try (var socket = new Socket("localhost", port)) {
      socket.setSoTimeout(30_000);
      var request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      var raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = raw.indexOf("\r\n\r\n");
      var head = (end < 0 ? raw : raw.substring(0, end)).split("\r\n");
      var headers = new LinkedHashMap<String, String>();
      for (int i = 1; i < head.length; i++) {
        int colon = head[i].indexOf(':');
        if (colon > 0) {
          headers.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
        }
      }
      var body = end < 0 ? "" : raw.substring(end + 4);
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = unchunk(body);
      }
      return new Answer(Integer.parseInt(head[0].split(" ")[1]), headers, body);
    }
  }

  private static String unchunk(String chunked) {
    var body = new StringBuilder();
    int at = 0;
    while (at < chunked.length()) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    return body.toString();
  }
}
