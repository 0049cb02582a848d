import type { SourceSpec } from '../component.js';

/** Every source type, by the name used in `type:`. Explicit: no registration by side effect. */
export const sourceSpecs: Record<string, SourceSpec<never>> = {
};
