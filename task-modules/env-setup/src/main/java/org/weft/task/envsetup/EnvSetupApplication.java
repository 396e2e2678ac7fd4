package org.weft.task.envsetup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The env-setup task microservice on its own: creates each experiment's working directory; scale it by starting more. */
@SpringBootApplication
public class EnvSetupApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(EnvSetupApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-env-setup"));
    application.run(args);
  }
}
