package org.weft.task.outputstaging;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The output-staging task microservice on its own: collects the declared output files; scale it by starting more. */
@SpringBootApplication
public class OutputStagingApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(OutputStagingApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-output-staging"));
    application.run(args);
  }
}
