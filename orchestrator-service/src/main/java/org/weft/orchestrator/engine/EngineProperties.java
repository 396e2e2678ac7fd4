package org.weft.orchestrator.engine;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The execution engine.
 *
 * @param tickInterval      how often timed-out attempts and due retries of the owned experiments
 *                          are looked for (default {@code 500ms})
 * @param reconcileInterval how often experiments without a live owner are looked for and adopted;
 *                          with the ZooKeeper session timeout this bounds how long an instance's
 *                          death holds its experiments up (default {@code 2s})
 * @param cancelGrace       how long the attempts of a cancelled experiment have to stop before they
 *                          count as timed out (default {@code 30s})
 * @param launchBatch       at most this many relaunched experiments (a rerun, or a launch that was
 *                          lost) are launched together, in one Neo4j transaction; new ones are
 *                          launched in the transaction that creates them (default {@code 200})
 * @param launchWait        how long a rerun waits for its relaunch before it is answered with the
 *                          recorded state; the relaunch goes on (default {@code 10s})
 * @param maxRunning        at most this many experiments run on this instance at once; a submission
 *                          beyond it is refused with 429 and {@code Retry-After} before anything is
 *                          written, so a burst larger than the installation can hold is turned
 *                          away at the door instead of failing inside (default {@code 20000})
 * @param retryAfter        what a refused submission is told to wait (default {@code 5s})
 * @param streamHeartbeat   how often an open event stream gets a keep-alive comment, and is read
 *                          again in case a notice of new events was missed (default {@code 15s})
 */
@ConfigurationProperties("weft.engine")
public record EngineProperties(
    @DefaultValue("500ms") Duration tickInterval,
    @DefaultValue("2s") Duration reconcileInterval,
    @DefaultValue("30s") Duration cancelGrace,
    @DefaultValue("200") int launchBatch,
    @DefaultValue("10s") Duration launchWait,
    @DefaultValue("20000") int maxRunning,
    @DefaultValue("5s") Duration retryAfter,
    @DefaultValue("15s") Duration streamHeartbeat) {}
