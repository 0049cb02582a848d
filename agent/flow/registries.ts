import type { ProcessorSpec, SourceSpec } from '../component.js';
import { processorSpecs } from '../processors/registry.js';
import { sourceSpecs } from '../sources/registry.js';

/** The component types a flow may use, by `type:` name (tests pass their own). */
export interface FlowRegistries {
  sourceSpecs: Record<string, SourceSpec<never>>;
  processorSpecs: Record<string, ProcessorSpec<never>>;
}

/** Every source and processor type built into the agent. */
export const defaultRegistries: FlowRegistries = { sourceSpecs, processorSpecs };
