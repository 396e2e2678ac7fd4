package org.weft.orchestrator.web;

import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Configuration;
import org.weft.orchestrator.access.Caller;

/** The OpenAPI document shows what a client sends: the caller comes from its token, not a parameter. */
@Configuration(proxyBeanMethods = false)
class OpenApiDocument {

  static {
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
  }
}
