/**
 * The in-process infrastructure of the embedded default: a ZooKeeper server, a KRaft Kafka broker
 * and Neo4j with Bolt and Browser, started before the Spring context connects to them, each only
 * where no external address is configured, with their data under one directory so a restart keeps
 * it. {@link org.weft.embedded.InfrastructureMain} runs the same servers as a process
 * of their own for multi-process set-ups.
 */
package org.weft.embedded;
