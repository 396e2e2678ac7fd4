package org.weft.orchestrator.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.weft.orchestrator.WeftOrchestratorApplication;

/**
 * The whole orchestrator on the real embedded servers, on free ports. Every test class with this
 * annotation and nothing else shares one cached context, so the servers start once per JVM.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(classes = WeftOrchestratorApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("it")
public @interface WeftIntegrationTest {}
