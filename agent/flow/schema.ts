import type { JsonSchema } from '../component.js';
import { defaultRegistries, type FlowRegistries } from './registries.js';
import { byteSizeSchema } from './sizes.js';
import { forwardSchema } from '../forward/config.js';

/** Agent ids: used in hub topics and file names, so no spaces, slashes or wildcards. */
export const AGENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
/** Source and processor ids: no dot, because `route_id.output` names a processor's output. */
export const COMPONENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';
/** An input reference: a component id, optionally followed by `.output` (built-in outputs start with `_`, like route's `_unmatched`). */
export const INPUT_REF_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_][A-Za-z0-9_-]*)?$';

/** Upper bound of `buffer.partitions`. */
export const MAX_PARTITIONS = 1024;

/** Keys of `$defs` holding each component type's options. */
export function componentDefName(kind: 'source' | 'processor', type: string): string {
  return `${kind}.${type}`;
}

const INPUTS_DEF = 'inputs';

const inputsSchema: JsonSchema = {
  description: 'Where the records come from: ids of sources or processors, or `route_id.output_name` for a named output of a processor such as `route`.',
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', pattern: INPUT_REF_PATTERN },
};

const whenFullSchema: JsonSchema = {
  type: 'string',
  enum: ['block', 'drop_oldest', 'drop_newest'],
};

function agentSchema(): JsonSchema {
  return {
    description: 'Who this agent is and where it keeps its data.',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'data_dir'],
    properties: {
      id: {
        description: 'The agent\'s id at the hub, unique per hub: letters, digits, `_`, `.` and `-`, starting with a letter or digit.',
        type: 'string',
        pattern: AGENT_ID_PATTERN,
        maxLength: 128,
      },
      data_dir: {
        description: 'Directory holding the durable log and the agent\'s state; created when missing. A relative path is relative to the agent\'s working directory.',
        type: 'string',
        minLength: 1,
      },
      flow_name: { description: 'A name for this flow, reported in the agent\'s status.', type: 'string', minLength: 1 },
      flow_version: { description: 'A version for this flow (quote numbers: "3"), reported in the agent\'s status so you can see which flow an agent runs.', type: 'string', minLength: 1 },
      status_interval_ms: {
        description: 'How often the agent sends its status heartbeat (buffer depth, lag, totals, source health) to the hub while connected. The hub marks the agent offline after 3 missed intervals.',
        type: 'integer',
        minimum: 500,
        maximum: 3_600_000,
        default: 5000,
      },
      http: {
        description: 'Serve the agent\'s observability endpoint: GET /metrics (Prometheus), /healthz, /readyz and /status (the status report as JSON). Absent = no HTTP server.',
        type: 'object',
        additionalProperties: false,
        properties: {
          host: { description: 'Address to listen on; 127.0.0.1 keeps it on this machine, 0.0.0.0 opens it to the network (it has no authentication).', type: 'string', minLength: 1, default: '127.0.0.1' },
          port: { description: 'TCP port to listen on; 0 picks a free one (logged at start).', type: 'integer', minimum: 0, maximum: 65535, default: 9464 },
        },
      },
    },
  };
}

function bufferSchema(): JsonSchema {
  return {
    description: 'The durable partitioned log (SQLite) that every record reaches before it is forwarded. A record\'s key picks its partition, so records of one key keep their order.',
    type: 'object',
    additionalProperties: false,
    required: ['inputs'],
    properties: {
      inputs: { ...inputsSchema, description: 'What gets stored: ids of sources or processors (or `route_id.output_name`). Every source and processor must lead here.' },
      partitions: {
        description: 'Number of partitions. More partitions let more batches be forwarded in parallel; order holds within a key. Pick it once: a changed count maps keys to other partitions, and a log never shrinks (a lower count keeps the existing partitions, so nothing buffered is lost).',
        type: 'integer',
        minimum: 1,
        maximum: MAX_PARTITIONS,
        default: 4,
      },
      max_bytes: byteSizeSchema({
        description: 'Size budget of the log on disk, split evenly across partitions. Acknowledged batches are deleted first; when unacknowledged data reaches a partition\'s share, `when_full` applies.',
        default: 256 * 1024 * 1024,
        minimum: 64 * 1024,
      }),
      max_age_s: {
        description: 'Acknowledged batches older than this many seconds are deleted.',
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 10 * 365 * 24 * 3600,
        default: 7 * 24 * 3600,
      },
      when_full: {
        ...whenFullSchema,
        description: 'What to do when a partition\'s unacknowledged data fills its share of `max_bytes`: `block` slows the sources down (backpressure; an MQTT broker keeps the messages), `drop_oldest` deletes the oldest unforwarded batches, `drop_newest` refuses new records. Every dropped record is counted by reason.',
        default: 'block',
      },
      when_full_by_partition: {
        description: 'Per-partition override of `when_full`, keyed by partition number (0 to partitions - 1).',
        type: 'object',
        propertyNames: { pattern: '^(0|[1-9][0-9]*)$', description: 'a partition number (0, 1, 2, ...)' },
        additionalProperties: { ...whenFullSchema, description: 'The when-full policy of this partition.' },
      },
      commit_interval_ms: {
        description: 'How long to gather records before a durable commit. 0 commits as soon as the event loop is free (group commit); more means fewer fsyncs, which helps on SD cards, at the cost of latency.',
        type: 'integer',
        minimum: 0,
        maximum: 60_000,
        default: 0,
      },
      batch_max_records: {
        description: 'A partition\'s batch is sealed at this many records.',
        type: 'integer',
        minimum: 1,
        maximum: 100_000,
        default: 500,
      },
      batch_max_bytes: byteSizeSchema({
        description: 'A partition\'s batch is sealed at this many bytes of encoded records.',
        default: 256 * 1024,
        minimum: 1024,
        maximum: 64 * 1024 * 1024,
      }),
      keep_dead_letters: {
        description: 'Store dead letters (bad frames, records a processor failed on) in the log with their reason, for inspection with `tributary log dump`.',
        type: 'boolean',
        default: true,
      },
    },
  };
}

/** One component type's options as stored in `$defs`: the spec's schema, with `type` (and `inputs`) pinned. */
function componentDef(kind: 'source' | 'processor', type: string, description: string, specSchema: JsonSchema): JsonSchema {
  const schema = structuredClone(specSchema);
  const specProperties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const typeProperty: JsonSchema = { description: `Selects this ${kind} type: \`${type}\`.`, const: type };
  const properties: Record<string, JsonSchema> = kind === 'processor'
    ? { type: typeProperty, inputs: { $ref: `#/$defs/${INPUTS_DEF}` } }
    : { type: typeProperty };
  for (const [name, property] of Object.entries(specProperties)) {
    if (!(name in properties)) properties[name] = property;
  }
  const required = new Set<string>(['type', ...(kind === 'processor' ? ['inputs'] : []), ...((schema.required ?? []) as string[])]);
  return {
    ...schema,
    description,
    type: 'object',
    properties,
    required: [...required],
    additionalProperties: schema.additionalProperties ?? false,
  };
}

/** The `sources:` or `processors:` map: entries discriminated by `type` through if/then, so errors name the entry's own type. */
function componentMap(kind: 'source' | 'processor', types: string[], description: string): JsonSchema {
  const typeProperty: JsonSchema = types.length > 0
    ? { description: `The ${kind} type: ${types.map((type) => `\`${type}\``).join(', ')}.`, enum: types }
    : { description: `The ${kind} type (none is registered).`, not: {} };
  const entry: JsonSchema = {
    description: `A ${kind}: \`type\` picks its kind, the other keys are that kind's options.`,
    type: 'object',
    required: kind === 'processor' ? ['type', 'inputs'] : ['type'],
    properties: kind === 'processor' ? { type: typeProperty, inputs: { $ref: `#/$defs/${INPUTS_DEF}` } } : { type: typeProperty },
  };
  if (types.length > 0) {
    entry.allOf = types.map((type) => ({
      if: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
      then: { $ref: `#/$defs/${componentDefName(kind, type)}` },
    }));
  }
  return {
    description,
    type: 'object',
    propertyNames: { pattern: COMPONENT_ID_PATTERN, description: 'an id of letters, digits, `_` and `-`, starting with a letter or digit (no dots: `id.output` names an output)' },
    additionalProperties: entry,
  };
}

/** The JSON Schema of a whole flow file, assembled from the registered source and processor specs. */
export function buildFlowSchema(registries: FlowRegistries = defaultRegistries): JsonSchema {
  const sourceTypes = Object.keys(registries.sourceSpecs).sort();
  const processorTypes = Object.keys(registries.processorSpecs).sort();
  const defs: Record<string, JsonSchema> = { [INPUTS_DEF]: inputsSchema };
  for (const type of sourceTypes) {
    const spec = registries.sourceSpecs[type];
    if (spec !== undefined) defs[componentDefName('source', type)] = componentDef('source', type, spec.description, spec.schema);
  }
  for (const type of processorTypes) {
    const spec = registries.processorSpecs[type];
    if (spec !== undefined) defs[componentDefName('processor', type)] = componentDef('processor', type, spec.description, spec.schema);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Tributary flow',
    $comment: 'Generated from the component specs by `npm run build && node dist/agent/flow/write-schema.js`; do not edit by hand.',
    description: 'A Tributary edge agent\'s flow: sources -> processors -> buffer (the durable log) -> forward to the hub.',
    type: 'object',
    additionalProperties: false,
    required: ['agent', 'sources', 'buffer'],
    properties: {
      agent: agentSchema(),
      sources: { ...componentMap('source', sourceTypes, 'Where records come from, by id. Each id is used in `inputs` lists, metrics and the `source` attribute.'), minProperties: 1 },
      processors: { ...componentMap('processor', processorTypes, 'What happens to records on their way to the buffer, by id. Each processor names its `inputs`; together they form a graph without cycles.'), default: {} },
      buffer: bufferSchema(),
      forward: forwardSchema,
    },
    $defs: defs,
  };
}
