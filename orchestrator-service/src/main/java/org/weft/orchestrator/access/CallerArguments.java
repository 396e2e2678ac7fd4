package org.weft.orchestrator.access;

import java.util.List;
import org.springframework.core.MethodParameter;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Gives a controller method's {@link Caller} parameter the request's caller. */
final class CallerArguments implements HandlerMethodArgumentResolver, WebMvcConfigurer {

  private final TokenCallers tokens;
  private final boolean secured;

  CallerArguments(TokenCallers tokens, boolean secured) {
    this.tokens = tokens;
    this.secured = secured;
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType() == Caller.class;
  }

  @Override
  public Caller resolveArgument(MethodParameter parameter, ModelAndViewContainer container, NativeWebRequest request,
      WebDataBinderFactory binders) {
    if (!secured) {
      return Caller.LOCAL;
    }
    // the filter chain lets no request without a valid token reach a controller
    if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
      return tokens.caller(token.getToken());
    }
    throw new IllegalStateException("A request reached the API without a token");
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(this);
  }
}
