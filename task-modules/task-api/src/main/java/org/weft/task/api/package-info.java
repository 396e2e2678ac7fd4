/**
 * The messages the orchestrator and the task microservices exchange over Kafka, and the topic
 * names, as the contract defines them. Plain records serialised as JSON; no Spring, so any JVM
 * worker can depend on it.
 */
package org.weft.task.api;
