import type { SourceSpec } from '../../component.js';
import { checkGenerateSourceConfig, generateSourceSchema, type GenerateSourceConfig } from './config.js';
import { GenerateSource } from './source.js';

/** `type: generate`: synthetic records at a set rate. */
export const generateSourceSpec: SourceSpec<GenerateSourceConfig> = {
  type: 'generate',
  description: generateSourceSchema.description as string,
  schema: generateSourceSchema,
  check: checkGenerateSourceConfig,
  create: (config, context) => new GenerateSource(config, context),
};
