/**
 * Which dependency an error says is down or unreachable ("postgres", "object store", "schema
 * registry", "kafka"), or undefined when the error is not an outage (a defect, a refusal): an
 * outage is waited out, anything else is retried a few times and then ends the unit of work.
 * The composition root builds it from what the adapters throw; the pipeline only asks it.
 */
export type OutageOf = (error: unknown) => string | undefined;
