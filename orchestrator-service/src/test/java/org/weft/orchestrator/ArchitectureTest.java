package org.weft.orchestrator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layout is the architecture: requests and results come in through the inbound adapters (REST,
 * the Kafka listener), which call the engine; the engine decides and reaches the outside world
 * through the outbound adapters (the graph store, the Kafka senders, ZooKeeper, the compute
 * resources). Each outside
 * system is reached from one package only, and the orchestrator never reaches into the embedded
 * servers, which live in a module of their own.
 */
class ArchitectureTest {

  private static final JavaClasses ORCHESTRATOR = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("org.weft.orchestrator");

  @Test
  void dependenciesGoFromInboundAdaptersThroughTheEngineToOutboundAdapters() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("inbound").definedBy("org.weft.orchestrator.web..", "org.weft.orchestrator.intake..",
            "org.weft.orchestrator.access..", "org.weft.orchestrator.training..")
        .layer("engine").definedBy("org.weft.orchestrator.engine..")
        .layer("outbound").definedBy("org.weft.orchestrator.graph..", "org.weft.orchestrator.messaging..",
            "org.weft.orchestrator.coordination..", "org.weft.orchestrator.compute..", "org.weft.orchestrator.notify..")
        .layer("domain").definedBy("org.weft.orchestrator.lifecycle..", "org.weft.orchestrator.template..",
            "org.weft.orchestrator.model..")
        .whereLayer("inbound").mayNotBeAccessedByAnyLayer()
        .whereLayer("engine").mayOnlyBeAccessedByLayers("inbound")
        .whereLayer("outbound").mayOnlyBeAccessedByLayers("engine")
        .whereLayer("domain").mayOnlyAccessLayers("domain")
        .check(ORCHESTRATOR);
  }

  @Test
  void outboundAdaptersDoNotReachEachOther() {
    var outbound = java.util.List.of("graph", "messaging", "coordination", "compute");
    for (var adapter : outbound) {
      var others = outbound.stream().filter(other -> !other.equals(adapter))
          .map(other -> "org.weft.orchestrator." + other + "..").toArray(String[]::new);
      noClasses().that().resideInAPackage("org.weft.orchestrator." + adapter + "..")
          .should().dependOnClassesThat().resideInAnyPackage(others)
          .check(ORCHESTRATOR);
    }
  }

  @Test
  void theLifecycleRulesArePureJava() {
    noClasses().that().resideInAPackage("org.weft.orchestrator.lifecycle..")
        .should().dependOnClassesThat().resideOutsideOfPackages("java..", "org.weft.orchestrator.lifecycle..", "org.weft.task.api..")
        .check(ORCHESTRATOR);
  }

  @Test
  void theDomainNeedsNoServerAndNoSpringBean() {
    noClasses().that().resideInAnyPackage("org.weft.orchestrator.lifecycle..", "org.weft.orchestrator.template..",
            "org.weft.orchestrator.model..")
        .should().dependOnClassesThat().resideInAnyPackage("org.springframework.stereotype..",
            "org.springframework.data..", "org.springframework.kafka..", "org.springframework.web..",
            "org.neo4j..", "org.apache.kafka..", "org.apache.curator..", "org.apache.zookeeper..")
        .check(ORCHESTRATOR);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("org.weft.orchestrator.(*)..").should().beFreeOfCycles().check(ORCHESTRATOR);
  }

  @Test
  void onlyTheGraphStoreReachesNeo4j() {
    noClasses().that().resideOutsideOfPackage("org.weft.orchestrator.graph..")
        .should().dependOnClassesThat().resideInAnyPackage("org.neo4j..", "org.springframework.data.neo4j..")
        .check(ORCHESTRATOR);
  }

  @Test
  void onlyCoordinationReachesZooKeeper() {
    noClasses().that().resideOutsideOfPackage("org.weft.orchestrator.coordination..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.curator..", "org.apache.zookeeper..")
        .check(ORCHESTRATOR);
  }

  @Test
  void onlyMessagingAndTheResultListenerReachKafka() {
    noClasses().that().resideOutsideOfPackages("org.weft.orchestrator.messaging..", "org.weft.orchestrator.intake..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.springframework.kafka..")
        .check(ORCHESTRATOR);
  }

  @Test
  void onlyComputeReachesTheClusters() {
    noClasses().that().resideOutsideOfPackage("org.weft.orchestrator.compute..")
        .should().dependOnClassesThat().resideInAnyPackage("org.weft.task.runtime.hpc..", "org.apache.sshd..")
        .check(ORCHESTRATOR);
  }

  @Test
  void theOrchestratorDoesNotDependOnTheEmbeddedServers() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("org.weft.embedded..", "kafka..", "scala..",
            "org.neo4j.graphdb..", "org.neo4j.kernel..", "org.neo4j.dbms..", "org.apache.zookeeper.server..")
        .check(ORCHESTRATOR);
  }
}
