import type { ErrorObject } from 'ajv';
import { schemaProblems as configSchemaProblems, type PathProblem } from '../../core/config/schema-problems.js';
import { describeValue } from '../../core/config/schema-problems.js';
import { didYouMeanSuffix } from '../../core/config/suggest.js';
import type { FlowPath } from './problems.js';

export { describeValue, pointerToPath, type PathProblem } from '../../core/config/schema-problems.js';

interface Context {
  data: unknown;
  sourceTypes: string[];
  processorTypes: string[];
}

/** The kind and registered type of the source or processor a path is directly inside (`sources.gps.baud`). */
function componentAt(path: FlowPath, context: Context): { kind: string; type: string } | undefined {
  if (path.length !== 2 || (path[0] !== 'sources' && path[0] !== 'processors')) return undefined;
  const entries = (context.data as Record<string, unknown> | null | undefined)?.[path[0]];
  const type = (entries as Record<string, { type?: unknown } | undefined> | undefined)?.[String(path[1])]?.type;
  const known = path[0] === 'sources' ? context.sourceTypes : context.processorTypes;
  if (typeof type !== 'string' || !known.includes(type)) return undefined;
  return { kind: path[0] === 'sources' ? 'source' : 'processor', type };
}

function unknownTypeMessage(kind: string, value: unknown, known: string[]): string {
  const knownText = known.length > 0 ? `known ${kind} types: ${known.join(', ')}` : `no ${kind} types are registered`;
  if (typeof value !== 'string') return `expected a ${kind} type (${knownText}), got ${describeValue(value)}`;
  return `unknown ${kind} type "${value}"${didYouMeanSuffix(value, known)}; ${knownText}`;
}

/**
 * The flow's readable problems for ajv's errors (see core/config/schema-problems.ts): options of a
 * source or processor are named as such, and an unknown component `type` lists the known ones.
 */
export function schemaProblems(errors: ErrorObject[], context: Context): PathProblem[] {
  return configSchemaProblems(errors, {
    data: context.data,
    ownerAt(path) {
      const component = componentAt(path, context);
      return component === undefined ? undefined : `a ${component.kind} of type ${component.type}`;
    },
    describe(error, path) {
      // an unknown `type:` in sources/processors: the map entry's enum (or `not` when none is registered)
      const isTypeOfEntry = path.length === 3 && (path[0] === 'sources' || path[0] === 'processors') && path[2] === 'type';
      if (!isTypeOfEntry || (error.keyword !== 'enum' && error.keyword !== 'not')) return undefined;
      const kind = path[0] === 'sources' ? 'source' : 'processor';
      return { path, at: 'value', message: unknownTypeMessage(kind, error.data, kind === 'source' ? context.sourceTypes : context.processorTypes) };
    },
  });
}
