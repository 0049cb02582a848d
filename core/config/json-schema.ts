/** A JSON Schema document (draft-07 as ajv reads it), kept loose on purpose: specs build them as plain objects. */
export type JsonSchema = Record<string, unknown>;
