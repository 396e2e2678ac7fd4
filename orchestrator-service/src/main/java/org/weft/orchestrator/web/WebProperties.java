package org.weft.orchestrator.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The REST API.
 *
 * @param maxBodySize  largest request body accepted; a larger one gets 413 (default {@code 1MB})
 * @param maxPageSize  largest {@code size} of a listing page (default {@code 500})
 */
@ConfigurationProperties("weft.web")
public record WebProperties(@DefaultValue("1MB") DataSize maxBodySize, @DefaultValue("500") int maxPageSize) {}
