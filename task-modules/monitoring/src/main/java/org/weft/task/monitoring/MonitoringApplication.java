package org.weft.task.monitoring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The monitoring task microservice on its own: follows jobs until they end; scale it by starting more. */
@SpringBootApplication
public class MonitoringApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(MonitoringApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-monitoring"));
    application.run(args);
  }
}
