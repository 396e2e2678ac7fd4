package org.weft.orchestrator.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.graph.MasterDags;
import org.weft.orchestrator.model.MasterDagRegistration;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.template.MasterDagValidator;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.template.TemplateRejectedException;

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
    var document = parser.parse(text, format);
    validator.check(document);
    var canonical = parser.canonicalJson(document);
    return masterDags.store(document, canonical, sha256(canonical));
  }

  public Page<MasterDagView> list(int page, int size) {
    return masterDags.list(page, size);
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
