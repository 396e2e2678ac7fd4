package org.weft.orchestrator.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The API's filter chain: with an issuer, every request but health and the OpenAPI document needs
 * a valid token whose roles allow it; without one, the local mode, on a loopback address only.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AccessProperties.class)
class AccessConfiguration {

  private static final Logger log = LoggerFactory.getLogger(AccessConfiguration.class);

  @Bean
  TokenCallers tokenCallers(AccessProperties properties) {
    return new TokenCallers(properties);
  }

  @Bean
  CallerArguments callerArguments(TokenCallers tokens, AccessProperties properties) {
    return new CallerArguments(tokens, properties.secured());
  }

  @Bean
  SecurityFilterChain api(HttpSecurity http, AccessProperties properties, TokenCallers tokens) throws Exception {
    var problems = new ProblemResponses();
    // bearer tokens, no cookies and no sessions: there is nothing for a cross-site request to ride on
    http.csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .requestCache(AbstractHttpConfigurer::disable)
        .exceptionHandling(errors -> errors.authenticationEntryPoint(problems).accessDeniedHandler(problems));
    if (!properties.secured()) {
      // where it listens was checked before anything started (LocalModeGuard)
      http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
      return http.build();
    }
    log.info("API access: bearer tokens from {} for audience '{}'", properties.issuerUri(), properties.audience());
    http.authorizeHttpRequests(requests -> requests
            .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/v3/api-docs", "/v3/api-docs/**",
                "/error").permitAll()
            .requestMatchers(HttpMethod.POST, "/api/v1/master-dags").hasRole(Role.GATEWAY_ADMIN.name())
            .requestMatchers("/api/v1/workers", "/api/v1/workers/**").hasRole(Role.OPERATOR.name())
            .requestMatchers("/api/v1/webhooks", "/api/v1/webhooks/**").hasRole(Role.GATEWAY_ADMIN.name())
            .requestMatchers("/api/v1/**").hasRole(Role.GATEWAY_USER.name())
            .anyRequest().hasRole(Role.OPERATOR.name()))
        .oauth2ResourceServer(server -> server.authenticationEntryPoint(problems)
            .jwt(jwt -> jwt.decoder(decoder(properties)).jwtAuthenticationConverter(tokens)));
    return http.build();
  }

  /**
   * Reads the provider's keys at the first request, not at startup, so the service starts while its
   * provider is still starting; checks the signature, issuer, audience and times.
   */
  private static JwtDecoder decoder(AccessProperties properties) {
    var issuer = properties.issuerUri().toString();
    return new SupplierJwtDecoder(() -> {
      var decoder = NimbusJwtDecoder.withIssuerLocation(issuer).build();
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<Jwt>(List.of(
          new JwtTimestampValidator(properties.clockSkew()),
          new JwtIssuerValidator(issuer),
          new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
              audiences -> audiences != null && audiences.contains(properties.audience())))));
      return decoder;
    });
  }

  /** The local mode asks no token, so it listens beyond this machine only when told to. */
  static void checkLocal(String address, boolean allowRemote) {
    if (isLoopback(address)) {
      log.info("API access: local mode, no token issuer configured; every request to {} acts as an operator",
          address);
      return;
    }
    if (!allowRemote) {
      throw new UnsafeListenAddressException(address);
    }
    log.warn("API access: local mode on {}, beyond this machine, with no token issuer: anyone who reaches the "
        + "service acts as an operator (weft.access.allow-unauthenticated-remote=true)",
        address == null ? "every interface" : address);
  }

  private static boolean isLoopback(String address) {
    if (address == null || address.isBlank()) {
      return false;
    }
    try {
      for (var resolved : InetAddress.getAllByName(address)) {
        if (!resolved.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
