import type { ProcessorSpec } from '../component.js';
import { dedupeSpec } from './dedupe.js';
import { enrichSpec } from './enrich.js';
import { filterSpec } from './filter.js';
import { mapSpec } from './map.js';
import { routeSpec } from './route.js';
import { sampleSpec } from './sample.js';
import { throttleSpec } from './throttle.js';
import { unitSpec } from './unit.js';

/** Every processor type, by the name used in `type:`. Explicit: no registration by side effect. */
export const processorSpecs: Record<string, ProcessorSpec<never>> = {
  filter: filterSpec,
  map: mapSpec,
  enrich: enrichSpec,
  route: routeSpec,
  throttle: throttleSpec,
  sample: sampleSpec,
  dedupe: dedupeSpec,
  unit: unitSpec,
};
