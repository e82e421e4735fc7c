package io.flashsale.api.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The address a request came from: the peer's own, unless the peer is a trusted proxy; then the nearest
 * address in {@code X-Forwarded-For} that is not a trusted proxy, read from the right, as each proxy appends the
 * address it was called from and only the trusted ones can be believed. Without trusted proxies the header is
 * ignored, so a client cannot pick its own address.
 */
public final class ClientAddress {
  // Only literals are parsed: InetAddress would resolve a host name, and a header must never cause a DNS lookup.
  private static final Pattern LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /** An address range, {@code address/prefix}. */
  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      for (int bit = 0; bit < prefix; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Range> trusted;

  private ClientAddress(List<Range> trusted) {
    this.trusted = trusted;
  }

  /** Trusting the proxies of a comma-separated list of addresses and ranges ({@code 10.0.0.0/8, ::1}); empty: none. */
  public static ClientAddress trusting(String proxies) {
    List<Range> ranges = new ArrayList<>();
    for (String entry : proxies.split(",")) {
      String spec = entry.trim();
      if (spec.isEmpty()) {
        continue;
      }
      String[] parts = spec.split("/", 2);
      byte[] network = literal(parts[0]);
      if (network == null) {
        throw new IllegalArgumentException("FLASHSALE_TRUSTED_PROXIES: not an address or range: " + spec);
      }
      int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
      if (prefix < 0 || prefix > network.length * 8) {
        throw new IllegalArgumentException("FLASHSALE_TRUSTED_PROXIES: bad prefix in " + spec);
      }
      ranges.add(new Range(network, prefix));
    }
    return new ClientAddress(List.copyOf(ranges));
  }

  /** The client's address for a request from {@code peer} carrying this {@code X-Forwarded-For} (or null). */
  String of(String peer, String forwardedFor) {
    if (forwardedFor == null || !trusted(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (hop.isEmpty()) {
        continue;
      }
      client = hop;
      if (!trusted(hop)) {
        break;
      }
    }
    return client;
  }

  private boolean trusted(String address) {
    byte[] bytes = literal(address);
    return bytes != null && trusted.stream().anyMatch(range -> range.contains(bytes));
  }

  private static byte[] literal(String text) {
    String address = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (address.isEmpty() || address.length() > 45 || !LITERAL.matcher(address).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
