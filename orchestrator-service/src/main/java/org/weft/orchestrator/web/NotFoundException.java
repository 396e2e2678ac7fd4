package org.weft.orchestrator.web;

/** No resource at that id: 404. */
class NotFoundException extends RuntimeException {

  NotFoundException(String message) {
    super(message);
  }
}
