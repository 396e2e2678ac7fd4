package org.weft.orchestrator.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.graph.MasterDags;
import org.weft.orchestrator.model.MasterDagRegistration;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.template.MasterDagDocument;
import org.weft.orchestrator.template.MasterDagValidator;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.template.TypeTakenException;
import org.weft.orchestrator.template.TemplateRejectedException;
import org.weft.orchestrator.template.Violation;

/** What the API and the startup loader ask of master DAG templates: register one, read them. */
@Service
public class TemplateService {

  private final TemplateParser parser;
  private final MasterDagValidator validator;
  private final MasterDags masterDags;

  TemplateService(TemplateParser parser, MasterDagValidator validator, MasterDags masterDags) {
    this.parser = parser;
    this.validator = validator;
    this.masterDags = masterDags;
  }

  /**
   * Parses, validates and stores a template as the next version of its type, unless the latest
   * version has the same content.
   *
   * @throws TemplateRejectedException when it is malformed or invalid; nothing is stored then
   */
  public MasterDagRegistration register(String text, TemplateParser.Format format) {
    return register(text, format, null);
  }

  /**
   * As {@link #register(String, TemplateParser.Format)}, as one gateway's own template, which only
   * its experiments may run and only it sees.
   *
   * @param owner the gateway; null for a shared template
   * @throws TypeTakenException when the type is shared or another gateway's
   */
  public MasterDagRegistration register(String text, TemplateParser.Format format, String owner) {
    var document = parser.parse(text, format);
    validator.check(document);
    checkSubWorkflows(document, owner);
    var canonical = parser.canonicalJson(document);
    return masterDags.store(document, canonical, sha256(canonical), owner);
  }

  /**
   * Each sub-workflow runs a stored master DAG, and none leads back to this template's type, through
   * however many sub-workflows: an experiment would then start itself without end.
   */
  private void checkSubWorkflows(MasterDagDocument document, String owner) {
    var violations = new ArrayList<Violation>();
    for (var child : MasterDagValidator.subWorkflowTypes(document)) {
      // a shared template runs only shared ones; a gateway's, shared ones and its own
      var found = find(child.getKey(), child.getValue()).filter(view -> view.usableBy(owner));
      if (found.isEmpty()) {
        violations.add(new Violation("tasks", "a sub-workflow runs master DAG '%s'%s, which is not registered"
            .formatted(child.getKey(), child.getValue() == null ? "" : " version " + child.getValue())));
        continue;
      }
      var path = new ArrayList<>(List.of(document.type(), child.getKey()));
      var cycle = leadsTo(document.type(), found.get(), path, new HashSet<>());
      if (cycle) {
        violations.add(new Violation("tasks", "a sub-workflow would run this template's own type again: "
            + String.join(" -> ", path)));
      }
    }
    if (!violations.isEmpty()) {
      throw new TemplateRejectedException(TemplateRejectedException.Kind.INVALID, violations);
    }
  }

  private boolean leadsTo(String type, MasterDagView template, List<String> path, Set<String> seen) {
    if (template.type().equals(type)) {
      return true;
    }
    if (!seen.add(template.type() + "@" + template.version())) {
      return false;
    }
    for (var child : MasterDagValidator.subWorkflowTypes(template.document())) {
      path.add(child.getKey());
      var found = find(child.getKey(), child.getValue());
      if (found.isPresent() && leadsTo(type, found.get(), path, seen)) {
        return true;
      }
      path.remove(path.size() - 1);
    }
    return false;
  }

  private Optional<MasterDagView> find(String type, Integer version) {
    return version == null ? masterDags.latestKnown(type) : masterDags.version(type, version);
  }

  /** The latest version of every type of every owner. */
  public Page<MasterDagView> list(int page, int size) {
    return masterDags.list(page, size, true, null);
  }

  /** The latest version of every shared type and of the gateway's own. */
  public Page<MasterDagView> listUsableBy(String gateway, int page, int size) {
    return masterDags.list(page, size, false, gateway);
  }

  public Optional<MasterDagView> latest(String type) {
    return masterDags.latest(type);
  }

  public Optional<MasterDagView> version(String type, int version) {
    return masterDags.version(type, version);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
