/**
 * The training start: the launcher starts Weft once per build in a scratch directory with a short
 * workload, so that the JVM records what a start loads and runs (a class-data archive, or from
 * Java 25 on an AOT cache with method profiles) and later starts begin warm. It drives the service
 * over its own REST API, like a user, and exits when the workload is done.
 */
package org.weft.orchestrator.training;
