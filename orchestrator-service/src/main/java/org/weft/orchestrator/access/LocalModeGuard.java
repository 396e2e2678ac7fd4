package org.weft.orchestrator.access;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Checks where the local mode would listen as soon as the configuration is read, before the
 * embedded servers start: a refused start costs a second, not the servers' start and stop.
 */
class LocalModeGuard implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    var environment = event.getEnvironment();
    var binder = Binder.get(environment);
    var issuer = binder.bind("weft.access.issuer-uri", Bindable.of(String.class)).orElse("");
    if (!issuer.isBlank()) {
      return;
    }
    boolean allowRemote = binder.bind("weft.access.allow-unauthenticated-remote", Bindable.of(Boolean.class)).orElse(false);
    AccessConfiguration.checkLocal(environment.getProperty("server.address"), allowRemote);
  }
}
