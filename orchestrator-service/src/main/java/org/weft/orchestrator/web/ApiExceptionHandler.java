package org.weft.orchestrator.web;

import java.util.List;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.weft.orchestrator.engine.GatewayLimitException;
import org.weft.orchestrator.engine.InvalidWebhookException;
import org.weft.orchestrator.engine.OverloadedException;
import org.weft.orchestrator.engine.UnknownMasterDagException;
import org.weft.orchestrator.lifecycle.IllegalTransitionException;
import org.weft.orchestrator.lifecycle.InvalidRerunException;
import org.weft.orchestrator.template.InvalidInputsException;
import org.weft.orchestrator.template.TemplateRejectedException;
import org.weft.orchestrator.template.TypeTakenException;
import org.weft.orchestrator.template.Violation;

/** Every error as RFC 9457 problem details; never a stack trace in a response. */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  @ExceptionHandler(TemplateRejectedException.class)
  ProblemDetail templateRejected(TemplateRejectedException e) {
    return e.kind() == TemplateRejectedException.Kind.MALFORMED
        ? ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "malformed-template", "Malformed master DAG template", e.violations())
        : ApiProblem.withErrors(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-template", "Invalid master DAG template", e.violations());
  }

  @ExceptionHandler(InvalidInputsException.class)
  ProblemDetail invalidInputs(InvalidInputsException e) {
    return ApiProblem.withErrors(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-inputs", "Invalid experiment inputs", e.violations());
  }

  @ExceptionHandler(InvalidWebhookException.class)
  ProblemDetail invalidWebhook(InvalidWebhookException e) {
    return ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "invalid-webhook", "Invalid webhook",
        List.of(new Violation(e.field(), e.getMessage())));
  }

  @ExceptionHandler(InvalidRerunException.class)
  ProblemDetail invalidRerun(InvalidRerunException e) {
    return ApiProblem.withErrors(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-rerun", "Invalid rerun",
        List.of(new Violation(e.field(), e.getMessage())));
  }

  @ExceptionHandler(BadRequestException.class)
  ProblemDetail badRequest(BadRequestException e) {
    return ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", e.violations());
  }

  @ExceptionHandler(UnknownMasterDagException.class)
  ProblemDetail unknownMasterDag(UnknownMasterDagException e) {
    return ApiProblem.of(HttpStatus.NOT_FOUND, "unknown-master-dag", "Unknown master DAG", e.getMessage());
  }

  @ExceptionHandler(TypeTakenException.class)
  ProblemDetail typeTaken(TypeTakenException e) {
    return ApiProblem.of(HttpStatus.CONFLICT, "type-taken", "Experiment type taken", e.getMessage());
  }

  @ExceptionHandler(NotFoundException.class)
  ProblemDetail notFound(NotFoundException e) {
    return ApiProblem.of(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
  }

  @ExceptionHandler(IllegalTransitionException.class)
  ProblemDetail conflict(IllegalTransitionException e) {
    return ApiProblem.of(HttpStatus.CONFLICT, "state-conflict", "State conflict", e.getMessage());
  }

  @ExceptionHandler(OverloadedException.class)
  ResponseEntity<ProblemDetail> overloaded(OverloadedException e) {
    var problem = ApiProblem.of(HttpStatus.TOO_MANY_REQUESTS, "overloaded", "Too many running experiments", e.getMessage());
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, e.retryAfter().toSeconds())))
        .body(problem);
  }

  @ExceptionHandler(GatewayLimitException.class)
  ResponseEntity<ProblemDetail> gatewayLimit(GatewayLimitException e) {
    var problem = ApiProblem.of(HttpStatus.TOO_MANY_REQUESTS, "gateway-limit", "Gateway limit reached", e.getMessage());
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)))
        .body(problem);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ProblemDetail parameterMismatch(MethodArgumentTypeMismatchException e) {
    var expected = e.getRequiredType() != null && e.getRequiredType().isEnum()
        ? "one of " + List.of(e.getRequiredType().getEnumConstants())
        : "a value of type " + (e.getRequiredType() == null ? "?" : e.getRequiredType().getSimpleName());
    return ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "bad-request", "Bad request",
        List.of(new Violation(e.getName(), "must be " + expected)));
  }

  @ExceptionHandler(InvalidParameterException.class)
  ProblemDetail undecodableParameter(InvalidParameterException e) {
    return ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "bad-request", "Bad request",
        List.of(new Violation("(query)", "could not be decoded: a malformed percent-encoding or character set")));
  }

  @ExceptionHandler(Exception.class)
  ProblemDetail unexpected(Exception e) {
    log.error("Request failed", e);
    return ApiProblem.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
        "The request could not be completed; the error is in the service's log");
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
      HttpStatusCode status, WebRequest request) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof BodyTooLargeException tooLarge) {
        var problem = ApiProblem.of(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Request body too large", tooLarge.getMessage());
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(problem);
      }
    }
    var problem = ApiProblem.withErrors(HttpStatus.BAD_REQUEST, "malformed-body", "Malformed request body",
        List.of(new Violation("(body)", "is missing or could not be read")));
    return ResponseEntity.badRequest().body(problem);
  }
}
