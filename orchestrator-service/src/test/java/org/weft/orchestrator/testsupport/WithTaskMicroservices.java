package org.weft.orchestrator.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole orchestrator with the five shipped task microservices running in it, as
 * {@code ./weft run} starts them, their jobs run from the shipped programs and the tests' own
 * ({@code target/it-programs}). Every test class with this annotation shares one context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WeftIntegrationTest
@TestPropertySource(properties = {
    "weft.worker.enabled=true",
    "weft.worker.workspace=target/it-workspace",
    "weft.worker.heartbeat-interval=1s",
    "weft.worker.jobs.poll-interval=200ms",
    "weft.worker.jobs.program-dirs=../task-modules/job-submission/programs,target/it-programs"})
public @interface WithTaskMicroservices {}
