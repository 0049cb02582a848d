import { errorMessage } from '../../core/errors.js';
import type { FlowRegistries } from './registries.js';
import { MAX_PARTITIONS } from './schema.js';
import type { PathProblem } from './schema-problems.js';
import { didYouMean, didYouMeanSuffix } from './suggest.js';

type Entries = Record<string, Record<string, unknown>>;

function objectOr(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function entriesOf(value: unknown): Entries {
  const entries: Entries = {};
  for (const [id, entry] of Object.entries(objectOr(value))) entries[id] = objectOr(entry);
  return entries;
}

function stringsOf(value: unknown): { ref: string; index: number }[] {
  return Array.isArray(value) ? value.flatMap((ref, index) => (typeof ref === 'string' ? [{ ref, index }] : [])) : [];
}

/**
 * Checks the flow as a graph: every input names a component (or a processor's named output),
 * ids are unique across sources and processors, no cycles, every component leads to the buffer,
 * every named output is used, and the buffer's partition settings agree with each other.
 * Works on partly invalid data: what cannot be read is left to the schema problems.
 * `validProcessors` are the processors whose options passed the schema (their `outputs()` can be asked).
 */
export function graphProblems(data: unknown, registries: FlowRegistries, validProcessors: ReadonlySet<string>): PathProblem[] {
  const problems: PathProblem[] = [];
  const root = objectOr(data);
  const sources = entriesOf(root.sources);
  const processors = entriesOf(root.processors);
  const buffer = objectOr(root.buffer);

  for (const id of Object.keys(processors)) {
    if (id in sources) {
      problems.push({ path: ['processors', id], at: 'key', message: `id "${id}" is already used by a source; ids must be unique across sources and processors` });
    }
  }

  const outputs = new Map<string, string[]>();
  for (const [id, entry] of Object.entries(processors)) {
    const spec = typeof entry.type === 'string' ? registries.processorSpecs[entry.type] : undefined;
    if (spec?.outputs === undefined || !validProcessors.has(id)) continue;
    try {
      outputs.set(id, spec.outputs(entry as never));
    } catch (error) {
      problems.push({ path: ['processors', id], at: 'key', message: `cannot list the outputs of this ${String(entry.type)} processor: ${errorMessage(error)}` });
    }
  }

  const knownIds = [...Object.keys(sources), ...Object.keys(processors)];
  const knownRefs = [...knownIds, ...[...outputs].flatMap(([id, names]) => names.map((name) => `${id}.${name}`))];
  const usedOutputs = new Set<string>();
  // a component a mistyped input was probably meant for: calling it unreachable too would only repeat the typo
  const probablyMeant = new Set<string>();
  const probablyMeantOutputs = new Set<string>();

  /** The component an input reference reads from, or undefined (with a problem) when it names nothing. */
  const resolveInput = (ref: string, path: (string | number)[]): string | undefined => {
    const dot = ref.indexOf('.');
    if (dot < 0) {
      if (ref in processors && registries.processorSpecs[String(processors[ref]?.type)]?.defaultOutput === false && outputs.has(ref)) {
        probablyMeant.add(ref);
        problems.push({ path, at: 'value', message: `processor "${ref}" (${String(processors[ref]?.type)}) emits only on named outputs; read one of: ${outputs.get(ref)!.map((name) => `${ref}.${name}`).join(', ')}` });
        return undefined;
      }
      if (ref in sources || ref in processors) return ref;
      const meant = didYouMean(ref, knownRefs);
      if (meant !== undefined) {
        probablyMeant.add(meant.split('.')[0] ?? meant);
        probablyMeantOutputs.add(meant);
      }
      problems.push({ path, at: 'value', message: `unknown input "${ref}"${didYouMeanSuffix(ref, knownRefs)}; expected one of: ${listSome(knownRefs) || '(no sources or processors defined)'}` });
      return undefined;
    }
    const id = ref.slice(0, dot);
    const output = ref.slice(dot + 1);
    if (!(id in processors)) {
      const meant = didYouMean(ref, knownRefs);
      if (meant !== undefined) {
        probablyMeant.add(meant.split('.')[0] ?? meant);
        probablyMeantOutputs.add(meant);
      }
      problems.push({ path, at: 'value', message: `unknown input "${ref}": no processor "${id}"${didYouMeanSuffix(ref, knownRefs)}` });
      return undefined;
    }
    const names = outputs.get(id);
    if (names === undefined) {
      // an invalid processor: its own problems are reported; do not guess its outputs
      if (!validProcessors.has(id)) return id;
      probablyMeant.add(id);
      problems.push({ path, at: 'value', message: `processor "${id}" (${String(processors[id]?.type)}) has no named outputs; use "${id}"` });
      return undefined;
    }
    if (!names.includes(output)) {
      probablyMeant.add(id);
      const meant = didYouMean(output, names);
      if (meant !== undefined) probablyMeantOutputs.add(`${id}.${meant}`);
      problems.push({ path, at: 'value', message: `processor "${id}" has no output "${output}"${didYouMeanSuffix(output, names)}; its outputs: ${names.join(', ') || '(none)'}` });
      return undefined;
    }
    usedOutputs.add(ref);
    return id;
  };

  const upstream = new Map<string, string[]>();
  for (const [id, entry] of Object.entries(processors)) {
    const inputs: string[] = [];
    for (const { ref, index } of stringsOf(entry.inputs)) {
      const from = resolveInput(ref, ['processors', id, 'inputs', index]);
      if (from !== undefined) inputs.push(from);
    }
    upstream.set(id, inputs);
  }
  const bufferInputs: string[] = [];
  for (const { ref, index } of stringsOf(buffer.inputs)) {
    const from = resolveInput(ref, ['buffer', 'inputs', index]);
    if (from !== undefined) bufferInputs.push(from);
  }

  // an id used by a source and a processor is reported above; reading it as the source avoids a false cycle
  const processorsOnly = Object.fromEntries(Object.entries(processors).filter(([id]) => !(id in sources)));
  problems.push(...cycleProblems(upstream, processorsOnly));

  if (Array.isArray(buffer.inputs)) {
    const reached = new Set<string>();
    const pending = [...bufferInputs];
    while (pending.length > 0) {
      const id = pending.pop() as string;
      if (reached.has(id)) continue;
      reached.add(id);
      pending.push(...(upstream.get(id) ?? []));
    }
    for (const [section, entries] of [['sources', sources], ['processors', processors]] as const) {
      for (const id of Object.keys(entries)) {
        if (reached.has(id) || probablyMeant.has(id)) continue;
        problems.push({
          path: [section, id],
          at: 'key',
          message: `unreachable: its records never get to the buffer; add "${id}" to buffer.inputs or to the inputs of a processor that does`,
        });
      }
    }
  }

  for (const [id, names] of outputs) {
    // outputs the author named must be read; built-in ones (`_unmatched`) may be left unread on purpose
    for (const name of names.filter((output) => !output.startsWith('_'))) {
      if (usedOutputs.has(`${id}.${name}`) || probablyMeantOutputs.has(`${id}.${name}`)) continue;
      problems.push({
        path: ['processors', id],
        at: 'key',
        message: `output "${name}" is not read by anything, so its records would be lost; add "${id}.${name}" to buffer.inputs or to a processor's inputs`,
      });
    }
  }

  problems.push(...bufferProblems(buffer));
  return problems;
}

function listSome(items: string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, ... (${items.length - max} more)`;
}

/** Every cycle among processors, each reported once at the input that closes it. */
function cycleProblems(upstream: Map<string, string[]>, processors: Entries): PathProblem[] {
  const problems: PathProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const from of upstream.get(id) ?? []) {
      if (!(from in processors)) continue;
      if (state.get(from) === 'visiting') {
        // records flow from `from` to `id`; print the loop in the direction records flow
        const loop = stack.slice(stack.indexOf(from)).reverse();
        const cycle = [...loop, loop[0]].join(' -> ');
        const index = Array.isArray(processors[id]?.inputs) ? (processors[id]?.inputs as unknown[]).findIndex((ref) => typeof ref === 'string' && (ref === from || ref.startsWith(`${from}.`))) : -1;
        problems.push({
          path: index >= 0 ? ['processors', id, 'inputs', index] : ['processors', id],
          at: 'value',
          message: from === id ? `processor "${id}" reads its own output (cycle: ${cycle})` : `cycle: ${cycle}; records would go round forever`,
        });
      } else if (state.get(from) === undefined) {
        visit(from);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of upstream.keys()) {
    if (state.get(id) === undefined) visit(id);
  }
  return problems;
}

/** Settings of the buffer that must agree with each other. */
function bufferProblems(buffer: Record<string, unknown>): PathProblem[] {
  const problems: PathProblem[] = [];
  const partitions = buffer.partitions;
  // with an invalid partition count, its consequences would only repeat that problem
  if (typeof partitions === 'number' && Number.isInteger(partitions) && partitions >= 1 && partitions <= MAX_PARTITIONS) {
    for (const key of Object.keys(objectOr(buffer.when_full_by_partition))) {
      if (/^\d+$/.test(key) && Number(key) >= partitions) {
        problems.push({
          path: ['buffer', 'when_full_by_partition', key],
          at: 'key',
          message: `partition ${key} does not exist: expected 0 to ${partitions - 1} (buffer.partitions is ${partitions})`,
        });
      }
    }
    const maxBytes = buffer.max_bytes;
    const batchMaxBytes = buffer.batch_max_bytes;
    if (typeof maxBytes === 'number' && typeof batchMaxBytes === 'number' && batchMaxBytes > maxBytes / partitions) {
      problems.push({
        path: ['buffer', 'batch_max_bytes'],
        at: 'value',
        message: `expected at most max_bytes / partitions = ${Math.floor(maxBytes / partitions)} bytes (a batch must fit in a partition's share), got ${batchMaxBytes}`,
      });
    }
  }
  return problems;
}
