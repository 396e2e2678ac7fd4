/**
 * Master DAG templates as documents: parsing (YAML and JSON), validation, placeholders, experiment
 * inputs, and the plan of a live DAG with every node's full task context. Pure code: no server, no
 * Spring bean, tested by fast unit tests.
 */
package org.weft.orchestrator.template;
