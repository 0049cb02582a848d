import { readFileSync } from 'node:fs';

/**
 * The lines a capture file holds, as the receiver sent them: `#` comment lines, blank lines and
 * line endings removed (captures mix CRLF and LF; the device chooses its own line ending on output).
 */
export function readCaptureLines(file: string): string[] {
  return readFileSync(file, 'latin1')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}
