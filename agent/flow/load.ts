import { deepFreeze, parseConfigText, readConfigFile } from '../../core/config/load.js';
import { errorMessage } from '../../core/errors.js';
import type { ConfigProblem } from '../component.js';
import { graphProblems } from './graph.js';
import { FlowValidationError, type FlowProblem } from './problems.js';
import { defaultRegistries, type FlowRegistries } from './registries.js';
import { pointerToPath, schemaProblems, type PathProblem } from './schema-problems.js';
import type { FlowConfig } from './types.js';
import { flowValidator } from './validator.js';

export { FlowValidationError, formatProblems, type FlowProblem } from './problems.js';
export { deepFreeze } from '../../core/config/load.js';

/** Reads and validates a flow file; throws ERR_FLOW_NOT_FOUND (missing or unreadable) or a FlowValidationError (ERR_FLOW_INVALID) with every problem. */
export function loadFlow(file: string, registries: FlowRegistries = defaultRegistries): FlowConfig {
  return loadFlowText(readConfigFile(file, 'flow file', 'ERR_FLOW_NOT_FOUND'), file, registries);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validates flow YAML: syntax, schema, each component's own checks and the graph; returns the frozen config with defaults applied. */
export function loadFlowText(text: string, file: string, registries: FlowRegistries = defaultRegistries): FlowConfig {
  const parsed = parseConfigText(text, file, (problems) => new FlowValidationError(problems));
  const problems: FlowProblem[] = [...parsed.problems];

  const data = parsed.data;
  if (data === undefined || data === null) {
    problems.push({ file, line: 1, column: 1, path: '', message: 'the flow file is empty: expected a mapping with agent, sources, processors and buffer (see flows/ for examples)' });
    throw new FlowValidationError(problems);
  }
  if (isPlainObject(data)) {
    // `processors:` with nothing under it means "no processors", not null
    for (const section of ['processors', 'forward']) {
      if (data[section] === null) delete data[section];
    }
  }

  const pathProblems: PathProblem[] = [];
  const errors = flowValidator(registries).validate(data);
  pathProblems.push(...schemaProblems(errors, {
    data,
    sourceTypes: Object.keys(registries.sourceSpecs).sort(),
    processorTypes: Object.keys(registries.processorSpecs).sort(),
  }));

  // a component's own checks and outputs() may assume its options have the schema's shape;
  // an unknown key does not change that shape, so its checks still run
  const invalid = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'additionalProperties' || error.keyword === 'if') continue;
    const [section, id] = pointerToPath(error.instancePath, data);
    if ((section === 'sources' || section === 'processors') && id !== undefined) invalid.add(`${section}/${String(id)}`);
  }
  const root = isPlainObject(data) ? data : {};
  const validProcessors = new Set<string>();
  for (const section of ['sources', 'processors'] as const) {
    const entries = isPlainObject(root[section]) ? (root[section] as Record<string, unknown>) : {};
    for (const [id, entry] of Object.entries(entries)) {
      if (invalid.has(`${section}/${id}`) || !isPlainObject(entry) || typeof entry.type !== 'string') continue;
      const spec = section === 'sources' ? registries.sourceSpecs[entry.type] : registries.processorSpecs[entry.type];
      if (spec === undefined) continue;
      if (section === 'processors') validProcessors.add(id);
      pathProblems.push(...componentCheckProblems(section, id, entry, spec.check?.bind(spec)));
    }
  }
  pathProblems.push(...graphProblems(data, registries, validProcessors));

  problems.push(...parsed.place(pathProblems));
  if (problems.length > 0) throw new FlowValidationError(problems);
  return deepFreeze({ file, ...(data as Omit<FlowConfig, 'file'>) });
}

function componentCheckProblems(
  section: 'sources' | 'processors',
  id: string,
  entry: Record<string, unknown>,
  check: ((config: never) => ConfigProblem[]) | undefined,
): PathProblem[] {
  if (check === undefined) return [];
  try {
    // a problem with the whole component points at its id
    return check(entry as never).map((problem) => ({ path: [section, id, ...problem.path], at: problem.path.length === 0 ? 'key' : 'value', message: problem.message }));
  } catch (error) {
    return [{ path: [section, id], at: 'key', message: `the ${String(entry.type)} checks failed: ${errorMessage(error)} (a bug in the ${String(entry.type)} spec: please report it)` }];
  }
}
