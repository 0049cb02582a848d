import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLError } from 'yaml';
import type { ConfigPath } from './problems.js';

/** A 1-based position in the config file. */
export interface Position {
  line: number;
  column: number;
}

/** A YAML syntax problem, positioned, with the path of the node it sits in when known. */
export interface YamlProblem extends Position {
  path: ConfigPath;
  message: string;
}

/** A parsed config file that still knows where every key and value came from. */
export interface ParsedYaml {
  /** The plain data (aliases and merge keys resolved); undefined for an empty file. */
  data: unknown;
  problems: YamlProblem[];
  /** False when the syntax is too broken for the data to mean what the author wrote. */
  usable: boolean;
  /** Where the key (`'key'`) or the value (`'value'`) at `path` starts; the nearest existing ancestor when it is absent. */
  locate(path: ConfigPath, prefer?: 'key' | 'value'): Position;
}

/** Problems after which the data is still what the author wrote (the last duplicate wins). */
const SOFT_ERRORS = new Set(['DUPLICATE_KEY']);

/** Parses YAML 1.2 (core schema, merge keys allowed), collecting syntax problems with their positions. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const problems: YamlProblem[] = [...doc.errors, ...doc.warnings].map((error) => ({
    ...position(error.pos[0]),
    // a syntax error's offset can sit anywhere near the mistake: only a duplicate key's path is reliable
    path: error.code === 'DUPLICATE_KEY' ? pathAtOffset(doc, error.pos[0]) : [],
    message: describeYamlError(error, text),
  }));
  const usable = doc.errors.every((error) => SOFT_ERRORS.has(error.code));

  let data: unknown;
  if (usable) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 }) ?? undefined;
    } catch (error) {
      // e.g. an alias bomb or an alias to an undefined anchor
      problems.push({ line: 1, column: 1, path: [], message: `cannot read the YAML: ${(error as Error).message}` });
      return { data: undefined, problems, usable: false, locate: () => ({ line: 1, column: 1 }) };
    }
  }

  return {
    data,
    problems,
    usable,
    locate(path, prefer = 'value') {
      const found = findNode(doc, path);
      const start = (prefer === 'key' ? found.keyStart ?? found.valueStart : found.valueStart ?? found.keyStart) ?? found.ancestorStart;
      return position(start);
    },
  };
}

function describeYamlError(error: YAMLError, text: string): string {
  const first = error.message.split('\n')[0] ?? error.message;
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^[^\s:]+/.exec(text.slice(error.pos[0], error.pos[0] + 200))?.[0];
    return key === undefined ? 'duplicate key: a key may appear only once in a mapping' : `duplicate key "${key}": a key may appear only once in a mapping`;
  }
  return `YAML syntax: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

interface FoundNode {
  keyStart?: number;
  valueStart?: number;
  /** Start of the deepest ancestor that exists (its key when it has one). */
  ancestorStart: number;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The pair holding `key` in a mapping, looking through `<<` merge keys too. */
function findPair(doc: Document, map: unknown, key: string, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  const keyText = (pair: Pair): string | undefined => (isScalar(pair.key) ? String(pair.key.value) : undefined);
  // the last duplicate wins in the data, so point at it
  const own = map.items.filter((pair) => keyText(pair) === key).at(-1);
  if (own !== undefined) return own;
  for (const pair of map.items) {
    if (keyText(pair) !== '<<') continue;
    const sources = resolve(doc, pair.value);
    const candidates = isSeq(sources) ? sources.items.map((item) => resolve(doc, item)) : [sources];
    for (const candidate of candidates) {
      const found = findPair(doc, candidate, key, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function findNode(doc: Document, path: ConfigPath): FoundNode {
  let node: unknown = doc.contents;
  let ancestorStart = rangeStart(node) ?? 0;
  let keyStart: number | undefined;
  for (const segment of path) {
    node = resolve(doc, node);
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment));
      if (pair === undefined) return { ancestorStart };
      keyStart = rangeStart(pair.key);
      node = pair.value;
      ancestorStart = keyStart ?? rangeStart(node) ?? ancestorStart;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyStart = undefined;
      node = node.items[segment];
      ancestorStart = rangeStart(node) ?? ancestorStart;
    } else {
      return { ancestorStart };
    }
  }
  // an empty value (`key:`) has a zero-width node after the colon: point at the key instead
  const value = node as Node | null | undefined;
  const emptyValue = value?.range !== undefined && value.range !== null && value.range[0] === value.range[1] && isScalar(value) && value.value === null;
  return { keyStart, valueStart: emptyValue ? undefined : rangeStart(value), ancestorStart };
}

/** The path of the innermost key or item whose text contains `offset`. */
function pathAtOffset(doc: Document, offset: number): ConfigPath {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  const contains = (candidate: unknown): boolean => {
    const range = (candidate as Node | null | undefined)?.range;
    return range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
  };
  for (let depth = 0; depth < 100; depth++) {
    if (isMap(node)) {
      const pair = node.items.find((item) => contains(item.key) || contains(item.value));
      if (pair === undefined || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      if (contains(pair.key)) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return path;
}
