package org.weft.task.noop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The noop task microservice on its own: succeeds at once; scale it by starting more. */
@SpringBootApplication
public class NoopApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(NoopApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-noop"));
    application.run(args);
  }
}
