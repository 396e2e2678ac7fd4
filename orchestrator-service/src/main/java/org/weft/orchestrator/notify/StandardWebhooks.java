package org.weft.orchestrator.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signing as the Standard Webhooks specification defines it: {@code v1,} and the Base64 of the
 * HMAC-SHA256, keyed by the secret's bytes, of {@code id.timestamp.body}. A secret is {@code whsec_}
 * and the Base64 of 24 to 64 random bytes. The JDK's {@link Mac} does the cryptography; the
 * specification's own libraries add nothing the few lines here do not.
 */
public final class StandardWebhooks {

  public static final String SECRET_PREFIX = "whsec_";
  private static final int MIN_KEY_BYTES = 24;
  private static final int MAX_KEY_BYTES = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  private StandardWebhooks() {}

  /** A new secret of 32 random bytes. */
  public static String newSecret() {
    var key = new byte[32];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** @throws IllegalArgumentException saying what is wrong with a secret a caller chose */
  public static void checkSecret(String secret) {
    key(secret);
  }

  /** The {@code webhook-signature} header's value for one message. */
  public static String sign(String secret, String id, long timestampSeconds, String body) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      var signed = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(signed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
    }
  }

  private static byte[] key(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a webhook secret is " + SECRET_PREFIX + " followed by Base64");
    }
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("a webhook secret holds %d to %d bytes, not %d"
          .formatted(MIN_KEY_BYTES, MAX_KEY_BYTES, key.length));
    }
    return key;
  }
}
