import type { ConfigProblem, ProcessorSpec } from '../component.js';
import { compileCondition } from '../expr/index.js';
import { expressionProblems } from './checks.js';
import { processorCounters } from './counters.js';
import { expressionSchema, processorSchema } from './schema.js';

/** The output of records no route matched. */
export const UNMATCHED_OUTPUT = '_unmatched';

/** Route names become output names in `<route id>.<name>` references: no dots. */
const ROUTE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';

export interface RouteConfig {
  type: 'route';
  inputs: string[];
  /** Output name -> condition. */
  routes: Record<string, string>;
}

/**
 * `route`: sends each record to every route whose condition holds, as output `<name>`; records matching
 * none go to output `_unmatched`. Downstream components read them as `<route id>.<name>`.
 */
export const routeSpec: ProcessorSpec<RouteConfig> = {
  type: 'route',
  description:
    'Sends each record to every route whose condition is true and the rest to "_unmatched". Downstream, read a route as `<this id>.<route name>` (e.g. inputs: [by_site.gh1]) and the rest as `<this id>._unmatched`.',
  schema: processorSchema(
    'route',
    'Routes records by condition to named outputs.',
    {
      routes: {
        description: 'Route name -> condition. A record goes to every route whose condition is true; read a route downstream as `<route id>.<name>`.',
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: ROUTE_NAME_PATTERN },
        additionalProperties: expressionSchema('Records for which this is true go to this route.'),
      },
    },
    ['routes'],
  ),
  outputs: (config) => [...Object.keys(config.routes), UNMATCHED_OUTPUT],
  defaultOutput: false,
  check(config) {
    const problems: ConfigProblem[] = [];
    for (const [name, condition] of Object.entries(config.routes)) {
      if (!new RegExp(ROUTE_NAME_PATTERN).test(name)) {
        problems.push({ path: ['routes', name], message: `route name "${name}" must be letters, digits, _ or - (starting with a letter or digit): it becomes the output name` });
      }
      problems.push(...expressionProblems(['routes', name], condition));
    }
    return problems;
  },
  create(config, context) {
    const names = Object.keys(config.routes);
    const conditions = names.map((name) => compileCondition(config.routes[name]!));
    // Every condition is evaluated before anything is emitted: a failing one sends the record to the
    // dead letters whole, instead of after it already went down some routes.
    const matched = new Array<boolean>(names.length).fill(false);
    const counters = processorCounters(context);
    return {
      process(record, emit) {
        counters.recordsIn.inc();
        let any = false;
        for (let i = 0; i < conditions.length; i++) {
          const hit = conditions[i]!(record);
          matched[i] = hit;
          any ||= hit;
        }
        if (!any) {
          counters.recordsOut.inc();
          emit(record, UNMATCHED_OUTPUT);
          return;
        }
        for (let i = 0; i < names.length; i++) {
          if (!matched[i]) continue;
          counters.recordsOut.inc();
          emit(record, names[i]);
        }
      },
    };
  },
};
