package org.weft.orchestrator.model;

import java.util.List;
import java.util.Map;

/**
 * The live task-microservice instances and their load, and the dispatches of each task type no
 * worker has started.
 */
public record Workers(List<Worker> items, Map<String, Long> byTaskType, Map<String, Long> queued) {}
