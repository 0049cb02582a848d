import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A generated file (a JSON Schema, a reference doc) and its path below the repository root. */
export interface GeneratedFile {
  path: string;
  text: string;
}

/** Writes generated files below `root`; returns their absolute paths. */
export function writeGeneratedFiles(files: GeneratedFile[], root: string): string[] {
  return files.map((file) => {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    return target;
  });
}
