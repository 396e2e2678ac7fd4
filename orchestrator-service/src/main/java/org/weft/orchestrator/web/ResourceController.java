package org.weft.orchestrator.web;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.weft.orchestrator.engine.ResourceService;
import org.weft.orchestrator.model.ComputeResourceStatus;

/** The compute resources configured here: scheduler, reachability and Weft's jobs there; no credentials. */
@RestController
class ResourceController {

  private final ResourceService resources;

  ResourceController(ResourceService resources) {
    this.resources = resources;
  }

  @GetMapping("/api/v1/resources")
  List<ComputeResourceStatus> resources() {
    return resources.resources();
  }
}
