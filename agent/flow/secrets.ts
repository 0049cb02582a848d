import { readFileSync } from 'node:fs';
import { TributaryError } from '../../core/errors.js';

/** A secret given inline (discouraged), from an environment variable, or from a file. */
export type SecretRef = string | { env: string } | { file: string };

/** JSON Schema of a secret reference, shared by every component that takes credentials. */
export const secretRefSchema = {
  description: 'A secret: { env: NAME } reads an environment variable, { file: PATH } reads a file (trailing newline removed); a plain string works but keeps the secret in the flow file.',
  oneOf: [
    { type: 'string' },
    { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
    { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
  ],
} as const;

/** Reads a secret; throws ERR_FLOW_SECRET with what to do when it cannot. */
export function resolveSecret(ref: SecretRef): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (value === undefined) {
      throw new TributaryError('ERR_FLOW_SECRET', `environment variable ${ref.env} is not set (the flow reads a secret from it)`);
    }
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new TributaryError('ERR_FLOW_SECRET', `cannot read secret file ${ref.file}: ${(error as Error).message}`, { cause: error });
  }
}
