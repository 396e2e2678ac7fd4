package org.weft.orchestrator.web;

import java.io.IOException;

/** Thrown while reading a request body past the limit; an IOException so readers pass it up as is. */
class BodyTooLargeException extends IOException {

  BodyTooLargeException(long limit) {
    super("The request body is larger than the limit of " + limit + " bytes (weft.web.max-body-size)");
  }
}
