import type { JsonSchema } from './json-schema.js';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Matches `512`, `64KB`, `1.5 MiB`, `2gib`: SI units are powers of 1000, IEC (`KiB`, `MiB`...) powers of 1024. */
export const BYTE_SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgGtT][iI]?)?[bB]$';

/** Schema keyword that makes the loader replace a size string by its number of bytes. */
export const BYTE_SIZE_KEYWORD = 'x-byte-size';

/** Bytes in a size written as a string (`"256MiB"`), or undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  if (!new RegExp(BYTE_SIZE_PATTERN).test(text)) return undefined;
  const match = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(text);
  if (match === null) return undefined;
  const factor = UNITS[(match[2] ?? '').toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}

/** A byte count given as an integer or a size string; the loaded config always holds the integer. */
export function byteSizeSchema(options: { description: string; default: number; minimum: number; maximum?: number }): JsonSchema {
  const integer: JsonSchema = { type: 'integer', minimum: options.minimum };
  if (options.maximum !== undefined) integer.maximum = options.maximum;
  return {
    description: `${options.description} An integer number of bytes or a size such as "64KiB", "256MiB", "1GB" (KiB/MiB/GiB are powers of 1024, KB/MB/GB of 1000).`,
    anyOf: [integer, { type: 'string', pattern: BYTE_SIZE_PATTERN }],
    default: options.default,
    [BYTE_SIZE_KEYWORD]: { minimum: options.minimum, ...(options.maximum === undefined ? {} : { maximum: options.maximum }) },
  };
}
