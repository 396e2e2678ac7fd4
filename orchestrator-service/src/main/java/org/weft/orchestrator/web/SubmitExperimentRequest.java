package org.weft.orchestrator.web;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/** The body of {@code POST /api/v1/experiments}; unknown fields are refused. */
record SubmitExperimentRequest(
    @NotNull(message = "is required")
    @Pattern(regexp = TYPE, message = "must match [a-z0-9][a-z0-9-]* and be at most 64 characters")
    String experimentType,
    @Size(max = MAX_TEXT, message = TEXT_RULE) @Pattern(regexp = NO_CONTROL, message = TEXT_RULE) String name,
    @Size(max = MAX_TEXT, message = TEXT_RULE) @Pattern(regexp = NO_CONTROL, message = TEXT_RULE) String owner,
    @Size(max = MAX_TEXT, message = TEXT_RULE) @Pattern(regexp = NO_CONTROL, message = TEXT_RULE) String gatewayId,
    @Min(value = 1, message = "must be 1 or more") Integer templateVersion,
    @Min(value = 0, message = PRIORITY_RULE) @Max(value = MAX_PRIORITY, message = PRIORITY_RULE) Integer priority,
    Map<String, Object> inputs,
    @jakarta.validation.Valid DataRequest data) {

  /** What the experiment does with its files, beyond what its template says. */
  record DataRequest(
      @Pattern(regexp = "all|outputs|none", message = "must be all, outputs or none") String retain) {}

  /** An experiment type, and a task key. */
  static final String TYPE = "[a-z0-9][a-z0-9-]{0,63}";
  static final int MAX_TEXT = 200;
  static final int MAX_PRIORITY = 100;
  /** No control character (Unicode Cc: what {@link Character#isISOControl} tells). */
  static final String NO_CONTROL = "[^\\p{Cc}]*";
  static final String TEXT_RULE = "must be at most " + MAX_TEXT + " characters without control characters";
  static final String PRIORITY_RULE = "must be between 0 and " + MAX_PRIORITY;
}
