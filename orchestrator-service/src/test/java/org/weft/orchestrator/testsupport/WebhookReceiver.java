package org.weft.orchestrator.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A gateway's webhook endpoint: it verifies every message as the Standard Webhooks specification
 * tells a receiver to (the signature over {@code id.timestamp.body} with the secret's key, compared
 * in constant time, and a timestamp within five minutes), and answers a chosen status.
 */
public final class WebhookReceiver implements AutoCloseable {

  public record Message(String id, long timestamp, String body, boolean verified) {}

  private final HttpServer server;
  private final List<Message> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(204);
  private volatile String secret;

  public WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext("/hook", exchange -> {
      var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      var headers = exchange.getRequestHeaders();
      var id = headers.getFirst("webhook-id");
      var timestamp = Long.parseLong(headers.getFirst("webhook-timestamp"));
      int answer = status.get();
      if (answer < 300) {
        received.add(new Message(id, timestamp, body, verify(id, timestamp, body, headers.getFirst("webhook-signature"))));
      }
      exchange.sendResponseHeaders(answer, -1);
      exchange.close();
    });
    server.start();
  }

  public String url() {
    return "http://localhost:" + server.getAddress().getPort() + "/hook";
  }

  public void secret(String secret) {
    this.secret = secret;
  }

  /** What the endpoint answers from now on; 2xx records the message, anything else drops it. */
  public void answer(int status) {
    this.status.set(status);
  }

  public List<Message> received() {
    return received;
  }

  private boolean verify(String id, long timestamp, String body, String signatures) {
    if (Math.abs(System.currentTimeMillis() / 1000 - timestamp) > 300 || signatures == null) {
      return false;
    }
    try {
      var key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      var expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      // the header may carry several signatures, space-separated, each "version,base64"
      for (var signature : signatures.split(" ")) {
        var parts = signature.split(",", 2);
        if (parts.length == 2 && parts[0].equals("v1")
            && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
          return true;
        }
      }
      return false;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
