package org.weft.orchestrator.model;

/**
 * A compute resource as {@code GET /api/v1/resources} shows it: what it is and whether it answers,
 * never how Weft logs in.
 *
 * @param name        its name, as templates and experiment inputs give it
 * @param scheduler   {@code local} or {@code slurm}
 * @param host        the login node, or null for this machine
 * @param reachable   whether it answered the latest look (this machine always does)
 * @param problem     why it did not, or null
 * @param queuedJobs  Weft's jobs waiting in its queue, or null where unknown
 * @param runningJobs Weft's jobs running there, or null where unknown
 * @param maxJobs     the most Weft keeps queued or running there at once, or null for no limit
 */
public record ComputeResourceStatus(String name, String scheduler, String host, boolean reachable, String problem,
    Integer queuedJobs, Integer runningJobs, Integer maxJobs) {}
