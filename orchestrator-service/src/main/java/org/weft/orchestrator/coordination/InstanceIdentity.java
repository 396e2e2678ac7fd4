package org.weft.orchestrator.coordination;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * This orchestrator instance's id: {@code weft.instance-id} when set, else host, process id and a
 * random suffix, so a restarted instance never mistakes its predecessor's nodes for its own.
 */
@Component
public class InstanceIdentity {

  private final String id;

  InstanceIdentity(@Value("${weft.instance-id:}") String configured) {
    this.id = configured.isBlank() ? generated() : configured;
  }

  public String id() {
    return id;
  }

  private static String generated() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "host";
    }
    var pid = ManagementFactory.getRuntimeMXBean().getPid();
    return (host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8)).replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
