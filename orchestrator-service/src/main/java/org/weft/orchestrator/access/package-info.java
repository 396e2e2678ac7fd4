/**
 * Who is calling: the gateway, the user and the roles a request carries in its OAuth2 bearer token
 * (a JWT from the gateways' OpenID provider), or, with no issuer configured, the local mode on a
 * loopback address, where every request acts as an operator. Everything the API answers is scoped
 * to the caller's gateway.
 */
package org.weft.orchestrator.access;
