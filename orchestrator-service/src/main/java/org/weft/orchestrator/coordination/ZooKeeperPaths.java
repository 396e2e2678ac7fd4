package org.weft.orchestrator.coordination;

import org.apache.curator.utils.ZKPaths;

/** The ZooKeeper layout of the contract, under the configured root. */
final class ZooKeeperPaths {

  private final String root;

  ZooKeeperPaths(String root) {
    this.root = root;
  }

  String instances() {
    return ZKPaths.makePath(root, "instances");
  }

  String instance(String instanceId) {
    return ZKPaths.makePath(instances(), instanceId);
  }

  String runningExperiments() {
    return ZKPaths.makePath(root, "running-experiments");
  }

  String runningExperiment(String experimentId) {
    return ZKPaths.makePath(runningExperiments(), experimentId);
  }

  String owner(String experimentId) {
    return ZKPaths.makePath(runningExperiment(experimentId), "owner");
  }

  /** Where the instances elect the one that sends webhooks. */
  String webhookSender() {
    return ZKPaths.makePath(root, "leaders/webhooks");
  }
}
