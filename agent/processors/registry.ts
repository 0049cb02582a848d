import type { ProcessorSpec } from '../component.js';

/** Every processor type, by the name used in `type:`. Explicit: no registration by side effect. */
export const processorSpecs: Record<string, ProcessorSpec<never>> = {
};
