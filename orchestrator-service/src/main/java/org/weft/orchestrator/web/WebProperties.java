package org.weft.orchestrator.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The REST API.
 *
 * @param maxBodySize  largest request body accepted; a larger one gets 413 (default {@code 1MB})
 * @param maxPageSize  largest {@code size} of a listing page (default {@code 500})
 * @param streamTimeout how long an event stream stays open; the client then reconnects with
 *                      {@code Last-Event-ID} and goes on where it was (default {@code 30m})
 */
@ConfigurationProperties("weft.web")
public record WebProperties(@DefaultValue("1MB") DataSize maxBodySize, @DefaultValue("500") int maxPageSize,
    @DefaultValue("30m") java.time.Duration streamTimeout) {}
