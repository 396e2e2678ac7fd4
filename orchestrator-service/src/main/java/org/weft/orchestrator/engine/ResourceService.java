package org.weft.orchestrator.engine;

import java.util.List;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.compute.ComputeResourceDirectory;
import org.weft.orchestrator.model.ComputeResourceStatus;

/** What the API asks about the compute resources experiments run on. */
@Service
public class ResourceService {

  private final ComputeResourceDirectory directory;

  ResourceService(ComputeResourceDirectory directory) {
    this.directory = directory;
  }

  public List<ComputeResourceStatus> resources() {
    return directory.statuses();
  }
}
