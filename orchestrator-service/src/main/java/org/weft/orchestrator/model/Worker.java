package org.weft.orchestrator.model;

import java.util.Map;

/** One registered task-microservice instance of one task type, with the load it last reported. */
public record Worker(String taskType, String workerId, Map<String, Object> registration) {}
