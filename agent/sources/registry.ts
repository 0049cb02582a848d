import type { SourceSpec } from '../component.js';
import { generateSourceSpec } from './generate/spec.js';
import { mqttSourceSpec } from './mqtt/spec.js';
import { serialSourceSpec } from './serial/spec.js';

/** Every source type, by the name used in `type:`. Explicit: no registration by side effect. */
export const sourceSpecs: Record<string, SourceSpec<never>> = {
  serial: serialSourceSpec,
  mqtt: mqttSourceSpec,
  generate: generateSourceSpec,
};
