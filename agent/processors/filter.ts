import type { ProcessorSpec } from '../component.js';
import { compileCondition } from '../expr/index.js';
import { expressionProblems } from './checks.js';
import { processorCounters } from './counters.js';
import { expressionSchema, processorSchema } from './schema.js';

export interface FilterConfig {
  type: 'filter';
  inputs: string[];
  condition: string;
}

/** `filter`: keeps the records for which `condition` is true; the others are dropped and counted (reason `filtered`). */
export const filterSpec: ProcessorSpec<FilterConfig> = {
  type: 'filter',
  description: 'Keeps the records for which `condition` is true (false, null, 0 and "" count as false); drops the others, counted as reason "filtered".',
  schema: processorSchema(
    'filter',
    'Keeps records matching a condition.',
    { condition: expressionSchema('Records for which this is true pass, e.g. value.temperature > 30 && attrs.site == "gh1".') },
    ['condition'],
  ),
  check: (config) => expressionProblems(['condition'], config.condition),
  create(config, context) {
    const keep = compileCondition(config.condition);
    const counters = processorCounters(context, 'filtered');
    return {
      process(record, emit) {
        counters.recordsIn.inc();
        if (keep(record)) {
          counters.recordsOut.inc();
          emit(record);
        } else {
          counters.dropped.inc();
        }
      },
    };
  },
};
