package org.weft.orchestrator.access;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** Reads a caller from a validated token: its gateway, its subject and its roles. */
final class TokenCallers implements Converter<Jwt, AbstractAuthenticationToken> {

  private final String gatewayClaim;
  private final String[] rolesPath;

  TokenCallers(AccessProperties properties) {
    this.gatewayClaim = properties.gatewayClaim();
    this.rolesPath = properties.rolesClaim().split("\\.");
  }

  @Override
  public AbstractAuthenticationToken convert(Jwt jwt) {
    var roles = roles(jwt);
    var authorities = roles.stream().map(role -> (GrantedAuthority) new SimpleGrantedAuthority(role.authority())).toList();
    return new JwtAuthenticationToken(jwt, authorities, jwt.getSubject());
  }

  Caller caller(Jwt jwt) {
    return new Caller(gateway(jwt), jwt.getSubject(), roles(jwt), false);
  }

  private String gateway(Jwt jwt) {
    for (var claim : new String[] {gatewayClaim, "client_id", "azp"}) {
      var value = jwt.getClaimAsString(claim);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  private Set<Role> roles(Jwt jwt) {
    Object at = jwt.getClaims();
    for (var step : rolesPath) {
      at = at instanceof Map<?, ?> map ? map.get(step) : null;
    }
    var roles = EnumSet.noneOf(Role.class);
    if (at instanceof Collection<?> names) {
      for (var name : names) {
        Role.fromClaim(String.valueOf(name)).ifPresent(role -> roles.addAll(role.withIncluded()));
      }
    }
    return roles;
  }
}
