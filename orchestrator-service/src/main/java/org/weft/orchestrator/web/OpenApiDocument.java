package org.weft.orchestrator.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.weft.orchestrator.access.Caller;

/**
 * The OpenAPI document shows what a client sends: the caller comes from its token, not a parameter,
 * and with an issuer configured every operation asks for that bearer token.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiDocument {

  static {
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
  }

  @Bean
  OpenAPI weftOpenApi(@Value("${weft.access.issuer-uri:}") String issuer) {
    var document = new OpenAPI().info(new Info().title("Weft").version("v1")
        .description("Workflow orchestration for science gateways: master DAGs, experiments, live DAGs and their events."));
    if (issuer.isBlank()) {
      return document;
    }
    return document
        .components(new Components().addSecuritySchemes("gateway-token", new SecurityScheme()
            .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
            .description("An access token of " + issuer + " naming the audience of weft.access.audience")))
        .addSecurityItem(new SecurityRequirement().addList("gateway-token"));
  }
}
