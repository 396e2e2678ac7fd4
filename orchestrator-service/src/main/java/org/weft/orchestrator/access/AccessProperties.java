package org.weft.orchestrator.access;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the API.
 *
 * @param issuerUri                   the OpenID provider whose tokens are accepted, e.g. a Keycloak
 *                                    realm's URL; unset (the default), the API runs in local mode:
 *                                    no token, every request acts as an operator, and the service
 *                                    listens on a loopback address only
 * @param audience                    the audience ({@code aud}) a token must name (default
 *                                    {@code weft})
 * @param gatewayClaim                the claim naming the caller's gateway (default
 *                                    {@code gateway_id}); a token without it belongs to the gateway
 *                                    of its client ({@code client_id}, else {@code azp})
 * @param rolesClaim                  where a token lists its roles, a dotted path into its claims
 *                                    (default {@code realm_access.roles}, Keycloak's realm roles)
 * @param clockSkew                   how far a token's times may be off the service's clock (default
 *                                    {@code 30s})
 * @param allowUnauthenticatedRemote  lets the local mode listen on a non-loopback address, for a
 *                                    trusted private network or a development compose file; logged
 *                                    as a warning at every start (default {@code false})
 */
@ConfigurationProperties("weft.access")
public record AccessProperties(
    URI issuerUri,
    @DefaultValue("weft") String audience,
    @DefaultValue("gateway_id") String gatewayClaim,
    @DefaultValue("realm_access.roles") String rolesClaim,
    @DefaultValue("30s") Duration clockSkew,
    @DefaultValue("false") boolean allowUnauthenticatedRemote) {

  boolean secured() {
    return issuerUri != null;
  }
}
