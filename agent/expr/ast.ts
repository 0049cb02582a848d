import type { JsonValue } from '../../core/record.js';

/** The record fields an expression can name. */
export type RootName = 'key' | 'ts' | 'value' | 'attrs';

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type LogicalOperator = '&&' | '||' | '??';

interface Span {
  /** Offsets into the source: `start` is where errors point, the span is quoted in runtime errors. */
  start: number;
  end: number;
}

export type Node =
  | (Span & { kind: 'literal'; value: JsonValue })
  | (Span & { kind: 'root'; name: RootName })
  | (Span & { kind: 'member'; object: Node; property: Node })
  | (Span & { kind: 'array'; items: Node[] })
  | (Span & { kind: 'unary'; op: '-' | '!'; operand: Node; opAt: number })
  | (Span & { kind: 'binary'; op: BinaryOperator; left: Node; right: Node; opAt: number })
  | (Span & { kind: 'logical'; op: LogicalOperator; left: Node; right: Node; opAt: number })
  | (Span & { kind: 'conditional'; test: Node; then: Node; otherwise: Node })
  | (Span & { kind: 'in'; negated: boolean; needle: Node; haystack: Node; opAt: number })
  | (Span & { kind: 'call'; name: string; args: Node[] });

export type NodeOf<K extends Node['kind']> = Extract<Node, { kind: K }>;
