package org.weft.orchestrator.web;

import java.util.Map;

/** The body of {@code POST /api/v1/experiments}; unknown fields are refused. */
record SubmitExperimentRequest(
    String experimentType,
    String name,
    String owner,
    String gatewayId,
    Integer templateVersion,
    Integer priority,
    Map<String, Object> inputs) {}
