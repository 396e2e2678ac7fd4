package org.weft.orchestrator.access;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Who made a request.
 *
 * @param gatewayId the caller's gateway, from its token; null for the local mode's operator and for
 *                  an operator whose token names none
 * @param subject   the token's subject ({@code sub}): the user or the client's service account
 * @param roles     its roles, each with those it includes
 * @param local     true in local mode, where there is no token and a request's body may name a gateway
 */
public record Caller(String gatewayId, String subject, Set<Role> roles, boolean local) {

  /** Every request in local mode. */
  public static final Caller LOCAL = new Caller(null, "local", EnumSet.allOf(Role.class), true);

  public Caller {
    roles = Set.copyOf(roles);
  }

  public boolean operator() {
    return roles.contains(Role.OPERATOR);
  }

  /** Whether this caller may see what belongs to the given gateway (null: shared by all). */
  public boolean sees(String owner) {
    return operator() || owner == null || Objects.equals(owner, gatewayId);
  }

  /** Whether this caller may see an experiment of the given gateway. */
  public boolean seesExperimentOf(String experimentGateway) {
    return operator() || (gatewayId != null && gatewayId.equals(experimentGateway));
  }
}
