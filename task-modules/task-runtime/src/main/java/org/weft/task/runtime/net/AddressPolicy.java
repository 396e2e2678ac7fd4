package org.weft.task.runtime.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps URLs that users hand to Weft (experiment inputs) away from the machine's own and private
 * networks: a host that is, or resolves to, a loopback, private, link-local (such as a cloud's
 * metadata service at 169.254.169.254), unique-local, shared (100.64/10), unspecified or multicast
 * address is refused unless an operator allowed it, by host name or CIDR block. The check is made
 * on every hop of a redirect.
 */
public final class AddressPolicy {

  private final List<String> hosts = new ArrayList<>();
  private final List<byte[][]> blocks = new ArrayList<>();

  private final String users;
  private final String setting;

  private AddressPolicy(String users, String setting) {
    this.users = users;
    this.setting = setting;
  }

  /**
   * @param allowed host names ({@code localhost}, {@code data.example.org}) and CIDR blocks
   *                ({@code 10.1.0.0/16}, {@code 127.0.0.1/32}) that may be reached although private
   * @throws IllegalArgumentException for an entry that is neither
   */
  public static AddressPolicy allowing(List<String> allowed) {
    return allowing(allowed, "inputs", "weft.worker.staging.allowed-hosts");
  }

  /**
   * The same for other URLs than inputs.
   *
   * @param users   what the URLs are for, as a refusal names them ("webhooks")
   * @param setting the setting that allows more, as a refusal names it
   */
  public static AddressPolicy allowing(List<String> allowed, String users, String setting) {
    var policy = new AddressPolicy(users, setting);
    for (var entry : allowed) {
      var text = entry.trim().toLowerCase(Locale.ROOT);
      if (text.contains("/")) {
        policy.blocks.add(block(text));
      } else if (!text.isEmpty()) {
        policy.hosts.add(text);
      }
    }
    return policy;
  }

  /**
   * @throws RefusedAddressException when the URL's host may not be reached
   * @throws UnknownHostException    when its host does not resolve
   */
  public void check(URI uri) throws RefusedAddressException, UnknownHostException {
    var host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new RefusedAddressException(uri + " names no host");
    }
    var name = host.toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    if (hosts.contains(name)) {
      return;
    }
    for (var address : InetAddress.getAllByName(name)) {
      if (!isPublic(address) && !inAllowedBlock(address)) {
        throw new RefusedAddressException("%s resolves to %s, a %s address, which %s may not reach unless the operator allows it (%s)"
            .formatted(host, address.getHostAddress(), kind(address), users, setting));
      }
    }
  }

  static boolean isPublic(InetAddress address) {
    return kind(address) == null;
  }

  /** What kind of non-public address this is, or null for a public one. */
  private static String kind(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return "loopback";
    }
    if (address.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (address.isLinkLocalAddress()) {
      return "link-local";
    }
    if (address.isSiteLocalAddress()) {
      return "private";
    }
    if (address.isMulticastAddress()) {
      return "multicast";
    }
    var bytes = address.getAddress();
    if (bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc) {
      return "unique-local";
    }
    if (bytes.length == 4 && ((bytes[0] & 0xff) == 0 || ((bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64))) {
      return (bytes[0] & 0xff) == 0 ? "unspecified" : "shared";
    }
    return null;
  }

  private boolean inAllowedBlock(InetAddress address) {
    var bytes = address.getAddress();
    for (var block : blocks) {
      var network = block[0];
      var mask = block[1];
      if (network.length != bytes.length) {
        continue;
      }
      boolean inside = true;
      for (int i = 0; i < bytes.length && inside; i++) {
        inside = (bytes[i] & mask[i]) == (network[i] & mask[i]);
      }
      if (inside) {
        return true;
      }
    }
    return false;
  }

  private static byte[][] block(String cidr) {
    var parts = cidr.split("/", 2);
    byte[] network;
    int prefix;
    try {
      if (!parts[0].matches("[0-9a-f:.]+")) {
        throw new IllegalArgumentException("not an address");
      }
      network = InetAddress.getByName(parts[0]).getAddress();
      prefix = Integer.parseInt(parts[1]);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + cidr + "' is not a CIDR block such as 10.1.0.0/16", e);
    }
    if (prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("'" + cidr + "' has a prefix outside 0.." + network.length * 8);
    }
    var mask = new byte[network.length];
    for (int i = 0; i < mask.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - 8 * i));
      mask[i] = (byte) (bits == 0 ? 0 : 0xff << (8 - bits));
    }
    return new byte[][] {network, mask};
  }
}
