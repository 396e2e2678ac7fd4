package org.weft.orchestrator.notify;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.weft.task.runtime.net.AddressPolicy;
import org.weft.task.runtime.net.RefusedAddressException;

/**
 * POSTs one webhook message: the body as JSON with the {@code webhook-id}, {@code webhook-timestamp}
 * and {@code webhook-signature} headers. Redirects are not followed (an endpoint that moved answers
 * 3xx, which counts as a failed attempt), the host is checked against the address policy at every
 * attempt (a name may resolve elsewhere later), and the endpoint's answer is not read beyond its
 * status.
 */
@Component
public class WebhookClient implements DisposableBean {

  /** What one attempt came to: an HTTP status, or 0 and why there was none. */
  public record Outcome(int status, String error) {

    public boolean delivered() {
      return status >= 200 && status < 300;
    }
  }

  private static final int MAX_ERROR = 300;

  private final HttpClient http;
  private final AddressPolicy addresses;
  private final WebhookProperties properties;
  private final ExecutorService senders;
  private final Clock clock;

  WebhookClient(WebhookProperties properties) {
    this.properties = properties;
    this.clock = Clock.systemUTC();
    this.addresses = AddressPolicy.allowing(properties.allowedHosts(), "webhooks", "weft.webhooks.allowed-hosts");
    var count = new AtomicInteger();
    this.senders = Executors.newFixedThreadPool(properties.concurrency(), runnable -> {
      var thread = new Thread(runnable, "weft-webhook-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.http = HttpClient.newBuilder().connectTimeout(properties.timeout())
        .followRedirects(HttpClient.Redirect.NEVER).executor(senders).build();
  }

  /**
   * @return the URL, when it is an absolute {@code http} or {@code https} URL without user
   *     information whose host the address policy allows
   * @throws IllegalArgumentException saying why it may not be called
   */
  public URI checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalArgumentException("the webhook url is not a URL: " + url);
    }
    var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("the webhook url must be an absolute http or https URL: " + url);
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the webhook url may not carry a user name or password");
    }
    try {
      addresses.check(uri);
    } catch (RefusedAddressException e) {
      throw new IllegalArgumentException(e.getMessage());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("the webhook url's host " + uri.getHost() + " does not resolve");
    }
    return uri;
  }

  /** Sends one message; the future never fails, an attempt that went wrong is an outcome too. */
  public CompletableFuture<Outcome> send(String url, String secret, String id, String body) {
    return CompletableFuture.supplyAsync(() -> attempt(url, secret, id, body), senders);
  }

  private Outcome attempt(String url, String secret, String id, String body) {
    try {
      var uri = checkUrl(url);
      long timestamp = clock.instant().getEpochSecond();
      var request = HttpRequest.newBuilder(uri).timeout(properties.timeout())
          .header("Content-Type", "application/json")
          .header("User-Agent", "Weft-Webhooks")
          .header("webhook-id", id)
          .header("webhook-timestamp", Long.toString(timestamp))
          .header("webhook-signature", StandardWebhooks.sign(secret, id, timestamp, body))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      var response = http.send(request, HttpResponse.BodyHandlers.discarding());
      return new Outcome(response.statusCode(), null);
    } catch (IllegalArgumentException e) {
      return new Outcome(0, shorten(e.getMessage()));
    } catch (HttpTimeoutException e) {
      return new Outcome(0, "no answer within " + properties.timeout());
    } catch (IOException e) {
      return new Outcome(0, shorten(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(0, "interrupted");
    }
  }

  private static String shorten(String text) {
    return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR);
  }

  @Override
  public void destroy() {
    senders.shutdownNow();
  }
}
