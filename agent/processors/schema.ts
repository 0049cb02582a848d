import type { JsonSchema } from '../component.js';

/** A processor's options schema: `type` pinned, `inputs` required, no unknown keys. */
export function processorSchema(type: string, description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    description,
    type: 'object',
    additionalProperties: false,
    required: ['type', 'inputs', ...required],
    properties: {
      type: { description: `The processor type: ${type}.`, const: type },
      inputs: {
        description: 'Where the records come from: ids of sources or processors, or `route_id.output_name` for a route output.',
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
      },
      ...properties,
    },
  };
}

/** An expression option (see docs/expressions.md). */
export function expressionSchema(description: string): JsonSchema {
  return { description: `${description} An expression, see docs/expressions.md.`, type: 'string', minLength: 1 };
}

/** A field path option. */
export function fieldPathSchema(description: string): JsonSchema {
  return { description: `${description} A field path such as value.temperature or value["odd key"].`, type: 'string', minLength: 1 };
}
