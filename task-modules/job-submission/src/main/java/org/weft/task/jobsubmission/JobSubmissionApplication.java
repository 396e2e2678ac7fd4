package org.weft.task.jobsubmission;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The job-submission task microservice on its own: renders command templates and submits jobs; scale it by starting more. */
@SpringBootApplication
public class JobSubmissionApplication {

  public static void main(String[] args) {
    var application = new SpringApplication(JobSubmissionApplication.class);
    application.setDefaultProperties(java.util.Map.of("spring.application.name", "weft-job-submission"));
    application.run(args);
  }
}
