import type { ConfigProblem, ProcessorSpec } from '../component.js';
import { compileExpression, type CompiledExpression } from '../expr/index.js';
import { expressionProblems, pathProblems } from './checks.js';
import { processorCounters } from './counters.js';
import { parseFieldPath, RecordDraft, type FieldPath } from './paths.js';
import { processorSchema } from './schema.js';

export interface MapConfig {
  type: 'map';
  inputs: string[];
  /** Target path -> expression, applied in order. */
  set: Record<string, string>;
  /** Paths removed after the assignments. */
  remove: string[];
}

/** `map`: sets fields from expressions (all read the input record) and removes fields, on a copy of the record. */
export const mapSpec: ProcessorSpec<MapConfig> = {
  type: 'map',
  description:
    'Sets fields from expressions and removes fields. Every expression reads the record as it came in; assignments apply in order, then removals. The input record is never changed.',
  schema: processorSchema('map', 'Computes and removes fields.', {
    set: {
      description:
        'Field path -> expression, e.g. "value.temp_f": "value.temp_c * 9 / 5 + 32". Paths: value.a.b (objects are created as needed), attrs.name (written as text; null removes it), key, ts, or value (the whole value).',
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      default: {},
    },
    remove: {
      description: 'Field paths to remove after the assignments: value.a.b or attrs.name. Missing fields are ignored.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
    },
  }),
  check(config) {
    const problems: ConfigProblem[] = [];
    const set = config.set ?? {};
    const remove = config.remove ?? [];
    if (Object.keys(set).length === 0 && remove.length === 0) {
      problems.push({ path: [], message: 'map does nothing: give it fields to `set` or to `remove`' });
    }
    for (const [target, source] of Object.entries(set)) {
      const targetProblems = pathProblems(['set', target], target);
      problems.push(...targetProblems, ...expressionProblems(['set', target], source));
    }
    remove.forEach((text, index) => {
      const found = pathProblems(['remove', index], text);
      if (found.length === 0) {
        const path = parseFieldPath(text);
        if (path.root === 'key' || path.root === 'ts' || (path.root === 'value' && path.fields.length === 0)) {
          found.push({ path: ['remove', index], message: `${path.root} cannot be removed; set it instead (to null for the value)` });
        }
      }
      problems.push(...found);
    });
    return problems;
  },
  create(config, context) {
    const assignments: { path: FieldPath; expression: CompiledExpression }[] = Object.entries(config.set ?? {}).map(([target, source]) => ({
      path: parseFieldPath(target),
      expression: compileExpression(source),
    }));
    const removals = (config.remove ?? []).map(parseFieldPath);
    const draft = new RecordDraft();
    const counters = processorCounters(context);
    return {
      process(record, emit) {
        counters.recordsIn.inc();
        draft.begin(record);
        for (const { path, expression } of assignments) draft.set(path, expression(record));
        for (const path of removals) draft.remove(path);
        const out = draft.finish();
        counters.recordsOut.inc();
        emit(out);
      },
    };
  },
};
