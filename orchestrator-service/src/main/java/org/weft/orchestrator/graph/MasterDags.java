package org.weft.orchestrator.graph;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.neo4j.driver.types.MapAccessorWithDefaultValue;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.model.MasterDagRegistration;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.MasterDagDocument;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.template.TypeTakenException;

/**
 * Versioned master DAG templates in Neo4j. Registering the content the latest version already has
 * changes nothing; new content becomes the next version, and experiments keep the version they
 * started with.
 */
@Service
public class MasterDags {

  private static final Logger log = LoggerFactory.getLogger(MasterDags.class);

  /** The latest stored version of a type, and its content's checksum. */
  private record Stored(int version, String checksum, String gatewayId) {}

  /** Most template versions kept parsed in memory. */
  private static final int CACHED_VERSIONS = 1_000;

  private final Neo4jClient neo4j;
  private final Map<String, MasterDagView> versions = new ConcurrentHashMap<>();
  /** The latest version of each type this instance has seen; another instance may have a newer one. */
  private final Map<String, Integer> latestSeen = new ConcurrentHashMap<>();
  private final TransactionTemplate transactions;
  private final TemplateParser parser;

  public MasterDags(Neo4jClient neo4j, TransactionTemplate transactions, TemplateParser parser) {
    this.neo4j = neo4j;
    this.transactions = transactions;
    this.parser = parser;
  }

  /**
   * Stores a checked template as the next version of its type, unless the latest version has the
   * same content ({@code checksum} of {@code canonical}).
   *
   * @param owner the gateway whose own template it is; null for a shared one
   * @throws TypeTakenException when the type's earlier versions belong to another owner
   */
  public MasterDagRegistration store(MasterDagDocument document, String canonical, String checksum, String owner) {
    try {
      return storeOnce(document, canonical, checksum, owner);
    } catch (DataIntegrityViolationException e) {
      // another registration of the same type took this version number between our read and write
      log.debug("Concurrent registration of master DAG {}; trying again", document.type());
      return storeOnce(document, canonical, checksum, owner);
    }
  }

  private MasterDagRegistration storeOnce(MasterDagDocument document, String canonical, String checksum, String owner) {
    return transactions.execute(status -> {
      var latest = neo4j.query("""
              MATCH (m:MasterDag {type: $type})
              RETURN m.version AS version, m.checksum AS checksum, m.gatewayId AS gatewayId
              ORDER BY m.version DESC LIMIT 1""")
          .bind(document.type()).to("type")
          .fetchAs(Stored.class)
          .mappedBy((types, row) -> new Stored(row.get("version").asInt(), row.get("checksum").asString(),
              Rows.text(row.get("gatewayId"))))
          .one();
      if (latest.isPresent() && !java.util.Objects.equals(latest.get().gatewayId(), owner)) {
        throw new TypeTakenException(document.type());
      }
      if (latest.isPresent() && checksum.equals(latest.get().checksum())) {
        return new MasterDagRegistration(document.type(), latest.get().version(), false);
      }
      int version = latest.map(stored -> stored.version() + 1).orElse(1);
      var tasks = document.tasks().stream().map(task -> Map.<String, Object>of(
          "key", task.key(), "taskType", task.taskType(), "spec", Json.write(task))).toList();
      var edges = document.tasks().stream()
          .flatMap(task -> task.dependsOn().stream().map(from -> Map.<String, Object>of("from", from, "to", task.key())))
          .toList();
      neo4j.query("""
              CREATE (m:MasterDag {type: $type, version: $version, description: $description, checksum: $checksum,
                                   createdAt: $createdAt, document: $document, gatewayId: $owner})
              WITH m
              UNWIND $tasks AS task
              CREATE (m)-[:HAS_TEMPLATE]->(:TaskTemplate {masterDagType: $type, masterDagVersion: $version,
                                                          key: task.key, taskType: task.taskType, spec: task.spec})""")
          .bindAll(parameters(Map.of("type", document.type(), "version", version,
              "description", document.description() == null ? "" : document.description(),
              "checksum", checksum, "createdAt", ZonedDateTime.now(ZoneOffset.UTC), "document", canonical, "tasks", tasks),
              owner))
          .run();
      neo4j.query("""
              UNWIND $edges AS edge
              MATCH (m:MasterDag {type: $type, version: $version})
              MATCH (m)-[:HAS_TEMPLATE]->(a:TaskTemplate {key: edge.from})
              MATCH (m)-[:HAS_TEMPLATE]->(b:TaskTemplate {key: edge.to})
              CREATE (a)-[:NEXT]->(b)""")
          .bindAll(Map.of("type", document.type(), "version", version, "edges", edges))
          .run();
      log.info("Registered master DAG {} version {} ({} tasks)", document.type(), version, tasks.size());
      // seen once committed: until then a submission here must not take a version that may roll back
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          latestSeen.merge(document.type(), version, Math::max);
        }
      });
      return new MasterDagRegistration(document.type(), version, true);
    });
  }

  /**
   * The newest version of a type. Asked of Neo4j every time (another instance may have registered
   * one a moment ago), but only for its number: the document comes from {@link #version}.
   */
  public Optional<MasterDagView> latest(String type) {
    var latest = neo4j.query("MATCH (m:MasterDag {type: $type}) RETURN max(m.version) AS version")
        .bind(type).to("type").fetchAs(Long.class).one()
        .flatMap(version -> version(type, version.intValue()));
    latest.ifPresent(view -> latestSeen.merge(type, view.version(), Math::max));
    return latest;
  }

  /**
   * The newest version of a type this instance knows of, without asking Neo4j once it knows one:
   * a read transaction per submission was a sixth of the request threads' CPU in a burst. Another
   * instance may have registered a newer one since, so what is created from it must check, in its
   * own transaction, that it is still the newest ({@link LiveDags#CREATE_LIVE_DAGS}), and take
   * {@link #latest} if not.
   */
  public Optional<MasterDagView> latestKnown(String type) {
    var known = latestSeen.get(type);
    return known != null ? version(type, known) : latest(type);
  }

  /**
   * One version of a type. A version never changes once registered, so it is read and parsed once
   * and then served from memory; every submission needs its template.
   */
  public Optional<MasterDagView> version(String type, int version) {
    var key = type + "@" + version;
    var known = versions.get(key);
    if (known != null) {
      return Optional.of(known);
    }
    var found = neo4j.query("""
            MATCH (m:MasterDag {type: $type, version: $version})
            RETURN m.type AS type, m.version AS version, m.checksum AS checksum, m.createdAt AS createdAt, m.document AS document,
                   m.gatewayId AS gatewayId""")
        .bindAll(Map.of("type", type, "version", version))
        .fetchAs(MasterDagView.class).mappedBy((types, row) -> view(row)).one();
    found.ifPresent(view -> {
      if (versions.size() >= CACHED_VERSIONS) {
        versions.clear();
      }
      versions.put(key, view);
    });
    return found;
  }

  /**
   * The latest version of every type, by type: of every owner, or only the shared ones and those of
   * one gateway.
   *
   * @param everyOwner true for every gateway's; otherwise the shared ones and {@code gateway}'s
   */
  public Page<MasterDagView> list(int page, int size, boolean everyOwner, String gateway) {
    var visible = "$everyOwner OR m.gatewayId IS NULL OR m.gatewayId = $gateway";
    var items = neo4j.query("""
            MATCH (m:MasterDag) WHERE %s
            WITH m.type AS type, max(m.version) AS latest
            ORDER BY type SKIP $skip LIMIT $limit
            MATCH (m:MasterDag {type: type, version: latest})
            RETURN m.type AS type, m.version AS version, m.checksum AS checksum, m.createdAt AS createdAt, m.document AS document,
                   m.gatewayId AS gatewayId
            ORDER BY type""".formatted(visible))
        .bindAll(parameters(Map.of("skip", (long) page * size, "limit", size, "everyOwner", everyOwner), gateway, "gateway"))
        .fetchAs(MasterDagView.class).mappedBy((types, row) -> view(row)).all();
    long total = neo4j.query("MATCH (m:MasterDag) WHERE " + visible + " RETURN count(DISTINCT m.type) AS total")
        .bindAll(parameters(Map.of("everyOwner", everyOwner), gateway, "gateway"))
        .fetchAs(Long.class).one().orElse(0L);
    return new Page<>(List.copyOf(items), page, size, total);
  }

  private static MasterDagView view(MapAccessorWithDefaultValue row) {
    return new MasterDagView(row.get("type").asString(), row.get("version").asInt(), row.get("checksum").asString(),
        Rows.instant(row.get("createdAt")), Json.read(row.get("document").asString(), MasterDagDocument.class),
        Rows.text(row.get("gatewayId")));
  }

  /** Map.of refuses nulls; an owner or gateway may be one. */
  private static Map<String, Object> parameters(Map<String, Object> others, String owner) {
    return parameters(others, owner, "owner");
  }

  private static Map<String, Object> parameters(Map<String, Object> others, String value, String name) {
    var all = new java.util.HashMap<String, Object>(others);
    all.put(name, value);
    return all;
  }
}
