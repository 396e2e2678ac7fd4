/**
 * The records that cross layers: what the API shows of experiments, their live DAGs, events and
 * templates, and the validation messages it answers with. Data only.
 */
package org.weft.orchestrator.model;
