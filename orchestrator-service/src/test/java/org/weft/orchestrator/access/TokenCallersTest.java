package org.weft.orchestrator.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/** How a validated token's claims become a caller; the tokens themselves are checked in GatewayAccessIT. */
class TokenCallersTest {

  private final TokenCallers callers = new TokenCallers(new AccessProperties(URI.create("https://id.example/realms/weft"),
      "weft", "gateway_id", "realm_access.roles", Duration.ofSeconds(30), false));

  @Test
  void theGatewayClaimWinsOverTheClientId() {
    var caller = callers.caller(jwt(Map.of("gateway_id", "seagrid", "azp", "seagrid-portal",
        "realm_access", Map.of("roles", List.of("gateway-user")))));
    assertThat(caller.gatewayId()).isEqualTo("seagrid");
    assertThat(caller.subject()).isEqualTo("user-1");
    assertThat(caller.roles()).containsExactly(Role.GATEWAY_USER);
  }

  @Test
  void withoutAGatewayClaimTheClientIsTheGateway() {
    assertThat(callers.caller(jwt(Map.of("client_id", "ultrascan", "azp", "other"))).gatewayId()).isEqualTo("ultrascan");
    assertThat(callers.caller(jwt(Map.of("azp", "ultrascan"))).gatewayId()).isEqualTo("ultrascan");
  }

  @Test
  void aRoleIncludesTheRolesBelowItAndUnknownRolesAreIgnored() {
    var admin = callers.caller(jwt(Map.of("azp", "a", "realm_access", Map.of("roles", List.of("gateway-admin", "offline_access")))));
    assertThat(admin.roles()).containsExactlyInAnyOrder(Role.GATEWAY_USER, Role.GATEWAY_ADMIN);
    var operator = callers.caller(jwt(Map.of("azp", "ops", "realm_access", Map.of("roles", List.of("operator")))));
    assertThat(operator.operator()).isTrue();
    assertThat(operator.roles()).containsExactlyInAnyOrder(Role.values());
    var authorities = callers.convert(jwt(Map.of("azp", "a", "realm_access", Map.of("roles", List.of("gateway-admin")))))
        .getAuthorities().stream().map(GrantedAuthority::getAuthority).toList();
    assertThat(authorities).containsExactlyInAnyOrder("ROLE_GATEWAY_USER", "ROLE_GATEWAY_ADMIN");
  }

  @Test
  void aTokenWithoutRolesMayDoNothing() {
    assertThat(callers.caller(jwt(Map.of("azp", "a", "realm_access", "not a map"))).roles()).isEmpty();
    assertThat(callers.caller(jwt(Map.of("azp", "a"))).roles()).isEmpty();
  }

  @Test
  void aGatewaySeesItsOwnAndSharedThingsAndTheOperatorEverything() {
    var gateway = new Caller("a", "u", Role.GATEWAY_USER.withIncluded(), false);
    assertThat(gateway.seesExperimentOf("a")).isTrue();
    assertThat(gateway.seesExperimentOf("b")).isFalse();
    assertThat(gateway.seesExperimentOf(null)).isFalse();
    assertThat(gateway.sees(null)).isTrue();
    assertThat(gateway.sees("b")).isFalse();
    assertThat(Caller.LOCAL.seesExperimentOf("b")).isTrue();
  }

  private static Jwt jwt(Map<String, Object> claims) {
    var builder = Jwt.withTokenValue("t").header("alg", "RS256").subject("user-1")
        .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(60));
    claims.forEach(builder::claim);
    return builder.build();
  }
}
