package org.weft.orchestrator.web;

import org.springframework.stereotype.Component;

/** Checks listing parameters, so a huge page cannot load everything at once. */
@Component
class Paging {

  private final int maxPageSize;

  Paging(WebProperties properties) {
    this.maxPageSize = properties.maxPageSize();
  }

  void check(int page, int size) {
    if (page < 0) {
      throw new BadRequestException("page", "must be 0 or more");
    }
    if (size < 1 || size > maxPageSize) {
      throw new BadRequestException("size", "must be between 1 and " + maxPageSize);
    }
  }
}
