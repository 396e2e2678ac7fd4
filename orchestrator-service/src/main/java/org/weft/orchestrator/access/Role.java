package org.weft.orchestrator.access;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** What a caller may do, as its token's roles name it; each role includes those below it. */
public enum Role {
  /** Submits, reads, cancels and reruns its gateway's experiments; reads shared and own templates. */
  GATEWAY_USER("gateway-user"),
  /** Also registers its gateway's own templates. */
  GATEWAY_ADMIN("gateway-admin"),
  /** Every gateway's experiments, the workers, the compute resources and the shared templates. */
  OPERATOR("operator");

  private final String claimValue;

  Role(String claimValue) {
    this.claimValue = claimValue;
  }

  /** The role as a token names it. */
  public String claimValue() {
    return claimValue;
  }

  String authority() {
    return "ROLE_" + name();
  }

  /** This role and every role it includes. */
  Set<Role> withIncluded() {
    return EnumSet.range(GATEWAY_USER, this);
  }

  static Optional<Role> fromClaim(String value) {
    for (var role : values()) {
      if (role.claimValue.equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
