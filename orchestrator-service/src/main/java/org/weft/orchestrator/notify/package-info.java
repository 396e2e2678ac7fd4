/**
 * Webhook calls to gateways' endpoints (an outbound adapter): each event POSTed as the Standard
 * Webhooks specification describes, signed with the endpoint's secret, to addresses the address
 * policy allows.
 */
package org.weft.orchestrator.notify;
