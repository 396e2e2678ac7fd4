package org.weft.task.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
      "192.168.0.1", "169.254.169.254", "fe80::1", "fc00::1", "fd12:3456::1", "100.64.0.1", "100.127.255.255",
      "224.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"})
  void nonPublicAddressesAreRecognised(String address) throws Exception {
    assertThat(AddressPolicy.isPublic(InetAddress.getByName(address))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "100.128.0.1", "192.0.2.1", "2001:db8::1", "2606:4700::1111"})
  void publicAddressesPass(String address) throws Exception {
    assertThat(AddressPolicy.isPublic(InetAddress.getByName(address))).isTrue();
  }

  @Test
  void anAllowedBlockOrHostLetsAPrivateAddressThrough() {
    var policy = AddressPolicy.allowing(List.of("10.1.0.0/16", "Data.Internal", "::1/128"));
    assertThatCode(() -> policy.check(URI.create("http://10.1.200.3/x"))).doesNotThrowAnyException();
    assertThatCode(() -> policy.check(URI.create("http://[::1]:8080/x"))).doesNotThrowAnyException();
    assertThatCode(() -> policy.check(URI.create("https://data.internal/x"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.check(URI.create("http://10.2.0.1/x"))).isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("10.2.0.1").hasMessageContaining("private");
    assertThatThrownBy(() -> policy.check(URI.create("http://127.0.0.1/x"))).isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("loopback");
  }

  @Test
  void aUrlWithoutAHostIsRefused() {
    var policy = AddressPolicy.allowing(List.of());
    assertThatThrownBy(() -> policy.check(URI.create("http:///etc/passwd"))).isInstanceOf(RefusedAddressException.class);
  }

  @Test
  void malformedAllowListEntriesAreRefused() {
    for (var bad : List.of("10.0.0.0/33", "::/129", "10.0.0.0/x", "example.org/8")) {
      assertThatThrownBy(() -> AddressPolicy.allowing(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
