/**
 * The REST API ({@code /api/v1}): master DAG registration and reading, experiment submission and
 * inspection. Errors are RFC 9457 problem details naming the field at fault; a request body is
 * read strictly and limited in size.
 */
package org.weft.orchestrator.web;
