package org.weft.task.inputstaging;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The input-staging task microservice on its own: brings experiment inputs into the working directory; scale it by starting more. */
@SpringBootApplication
public class InputStagingApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(InputStagingApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-input-staging"));
    application.run(args);
  }
}
