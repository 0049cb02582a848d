import type { JsonSchema } from '../component.js';
import { BYTE_SIZE_KEYWORD } from './sizes.js';

interface Row {
  option: string;
  type: string;
  default: string;
  description: string;
}

const MAX_DEPTH = 4;

function asSchema(value: unknown): JsonSchema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/** Markdown table cell: one line, `|` escaped, and outside code spans no HTML or emphasis by accident. */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split('`')
    .map((part, index) => (index % 2 === 1 ? part.replace(/\|/g, '\\|') : part.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\*/g, '\\*')))
    .join('`');
}

function code(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function humanBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

class ReferenceRenderer {
  constructor(private readonly root: JsonSchema) {}

  /** Follows a local `$ref` (`#/$defs/name`). */
  deref(schema: JsonSchema | undefined): JsonSchema {
    let current = schema ?? {};
    for (let hops = 0; hops < 10 && typeof current.$ref === 'string'; hops++) {
      const pointer = (current.$ref as string).replace(/^#\//, '').split('/');
      let target: unknown = this.root;
      for (const part of pointer) target = asSchema(target)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      current = asSchema(target) ?? {};
    }
    return current;
  }

  alternatives(schema: JsonSchema): JsonSchema[] {
    const list = schema.oneOf ?? schema.anyOf;
    return Array.isArray(list) ? list.map((item) => this.deref(asSchema(item))) : [];
  }

  typeLabel(raw: JsonSchema | undefined): string {
    const schema = this.deref(raw);
    if (BYTE_SIZE_KEYWORD in schema) return 'bytes (integer or size string)';
    if ('const' in schema) return code(schema.const);
    if (Array.isArray(schema.enum)) return schema.enum.map(code).join(' | ');
    const alternatives = this.alternatives(schema);
    if (alternatives.length > 0 && schema.discriminator === undefined) {
      return [...new Set(alternatives.map((alternative) => this.alternativeLabel(alternative)))].join(' | ');
    }
    const types = Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];
    if (types.length === 1 && types[0] === 'array') {
      const items = asSchema(schema.items);
      return items === undefined ? 'list' : `list of ${this.typeLabel(items)}`;
    }
    if (types.length === 1 && types[0] === 'object') {
      const values = asSchema(schema.additionalProperties);
      if (values !== undefined && schema.properties === undefined) return `map of ${this.typeLabel(values)}`;
      return 'object';
    }
    return types.length > 0 ? types.join(' | ') : 'any';
  }

  alternativeLabel(alternative: JsonSchema): string {
    const required = Array.isArray(alternative.required) ? alternative.required.map(String) : [];
    if (alternative.type === 'object' && required.length > 0) return `{ ${required.join(', ')} }`;
    return this.typeLabel(alternative);
  }

  defaultLabel(schema: JsonSchema, required: boolean): string {
    if (required) return 'required';
    if (!('default' in schema)) return '';
    const value = schema.default;
    if (BYTE_SIZE_KEYWORD in schema && typeof value === 'number') return `${code(value)} (${humanBytes(value)})`;
    return code(value);
  }

  /** Rows for an object's properties, then their nested options as `parent.child`. */
  rows(schema: JsonSchema, prefix = '', depth = 0, skip: string[] = []): Row[] {
    const properties = asSchema(schema.properties) ?? {};
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const rows: Row[] = [];
    for (const [name, raw] of Object.entries(properties)) {
      if (skip.includes(name)) continue;
      const property = this.deref(asSchema(raw));
      rows.push({
        option: `${prefix}${name}`,
        type: this.typeLabel(property),
        default: this.defaultLabel(property, required.has(name)),
        description: typeof property.description === 'string' ? property.description : '',
      });
      if (depth < MAX_DEPTH) rows.push(...this.nestedRows(property, `${prefix}${name}`, depth + 1));
    }
    return rows;
  }

  nestedRows(schema: JsonSchema, name: string, depth: number): Row[] {
    if (asSchema(schema.properties) !== undefined) return this.rows(schema, `${name}.`, depth);
    const alternatives = this.alternatives(schema).filter((alternative) => asSchema(alternative.properties) !== undefined);
    if (alternatives.length > 0) return this.alternativeRows(schema, alternatives, `${name}.`, depth);
    const items = asSchema(schema.items);
    if (items !== undefined) {
      const item = this.deref(items);
      if (asSchema(item.properties) !== undefined) return this.rows(item, `${name}[].`, depth);
      const itemAlternatives = this.alternatives(item).filter((alternative) => asSchema(alternative.properties) !== undefined);
      if (itemAlternatives.length > 0) return this.alternativeRows(item, itemAlternatives, `${name}[].`, depth);
    }
    return [];
  }

  /** Options of a oneOf/anyOf of objects: each once, marked with the alternatives (e.g. parser formats) that have it. */
  alternativeRows(schema: JsonSchema, alternatives: JsonSchema[], prefix: string, depth: number): Row[] {
    const tagName = asSchema(schema.discriminator)?.propertyName;
    const tag = typeof tagName === 'string' ? tagName : undefined;
    const tagValue = (alternative: JsonSchema): unknown => {
      const tagSchema = tag === undefined ? undefined : this.deref(asSchema(asSchema(alternative.properties)?.[tag]));
      return tagSchema !== undefined && 'const' in tagSchema ? tagSchema.const : undefined;
    };
    const labels = alternatives.map((alternative, index) => {
      const value = tagValue(alternative);
      return value === undefined ? `alternative ${index + 1}` : String(value);
    });
    const rows: Row[] = [];
    if (tag !== undefined) {
      const values = alternatives.map(tagValue).filter((value) => value !== undefined);
      const meanings = alternatives.map((alternative, index) => `\`${labels[index] ?? ''}\`: ${typeof alternative.description === 'string' ? alternative.description : ''}`);
      rows.push({ option: `${prefix}${tag}`, type: values.map(code).join(' | '), default: 'required', description: meanings.join(' ') });
    }
    const merged = new Map<string, { row: Row; owners: string[] }>();
    alternatives.forEach((alternative, index) => {
      for (const row of this.rows(alternative, prefix, depth, tag === undefined ? [] : [tag])) {
        const key = `${row.option}\0${row.type}\0${row.default}\0${row.description}`;
        const existing = merged.get(key);
        if (existing !== undefined) existing.owners.push(labels[index] ?? '');
        else merged.set(key, { row, owners: [labels[index] ?? ''] });
      }
    });
    for (const { row, owners } of merged.values()) {
      // undescribed shapes (a secret's { env } / { file }) are explained by the parent's description
      if (tag === undefined && row.description === '') continue;
      if (owners.length === alternatives.length) rows.push(row);
      else rows.push({ ...row, description: `(${tag === undefined ? owners.join(', ') : `${tag}: ${owners.join(', ')}`}) ${row.description}` });
    }
    return rows;
  }

  table(rows: Row[]): string {
    if (rows.length === 0) return '_No options._\n';
    const lines = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |'];
    for (const row of rows) {
      lines.push(`| \`${row.option}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.description)} |`);
    }
    return `${lines.join('\n')}\n`;
  }

  componentSection(kind: 'source' | 'processor', map: JsonSchema): string {
    const entry = this.deref(asSchema(map.additionalProperties));
    const allOf = Array.isArray(entry.allOf) ? entry.allOf.map((item) => asSchema(item) ?? {}) : [];
    const parts: string[] = [];
    for (const branch of allOf) {
      const typeName = asSchema(asSchema(asSchema(branch.if)?.properties)?.type)?.const;
      const definition = this.deref(asSchema(branch.then));
      if (typeof typeName !== 'string') continue;
      parts.push(`### \`${typeName}\` ${kind}\n`);
      parts.push(`${cell(typeof definition.description === 'string' ? definition.description : '')}\n`);
      parts.push(`\`type: ${typeName}\`\n`);
      parts.push(this.table(this.rows(definition, '', 0, ['type'])));
    }
    if (parts.length === 0) parts.push(`_No ${kind} types are registered._\n`);
    return parts.join('\n');
  }

  render(): string {
    const properties = asSchema(this.root.properties) ?? {};
    const required = new Set(Array.isArray(this.root.required) ? this.root.required.map(String) : []);
    const out: string[] = [];
    out.push('# Flow reference\n');
    out.push('<!-- Generated from the flow schema by `npm run build && node dist/agent/flow/write-schema.js`; do not edit by hand. -->\n');
    out.push(`${cell(typeof this.root.description === 'string' ? this.root.description : '')}\n`);
    out.push([
      '- Start a flow file with `# yaml-language-server: $schema=./flow.schema.json` (the path is relative to the flow file) for completion and checks in editors that use the YAML language server.',
      '- Check a flow with `tributary validate FILE`: every problem is printed as `file:line:column: path: message`, with a suggestion for a mistyped key.',
      '- Secrets (passwords) can be given as `{ env: NAME }` (an environment variable) or `{ file: PATH }` (a file, trailing newline removed) instead of inline.',
      '- Keys are snake_case with the unit in the name (`_ms`, `_s`, `_bytes`); sizes in bytes also take strings such as `"256MiB"`.',
      '- Examples: the `flows/` folder.',
      '',
    ].join('\n'));
    out.push('| Section | Required | Description |\n| --- | --- | --- |');
    out.push(`${Object.entries(properties).map(([name, raw]) => {
      const section = this.deref(asSchema(raw));
      return `| [\`${name}\`](#${name}) | ${required.has(name) ? 'yes' : 'no'} | ${cell(typeof section.description === 'string' ? section.description : '')} |`;
    }).join('\n')}\n`);

    for (const [name, raw] of Object.entries(properties)) {
      const section = this.deref(asSchema(raw));
      out.push(`## ${name}\n`);
      out.push(`${cell(typeof section.description === 'string' ? section.description : '')}\n`);
      if (name === 'sources' || name === 'processors') {
        const kind = name === 'sources' ? 'source' : 'processor';
        const idRule = asSchema(section.propertyNames)?.description;
        out.push(`Each key is the ${kind}'s id${typeof idRule === 'string' ? `: ${cell(idRule)}` : ''}; its \`type\` picks one of the kinds below.\n`);
        out.push(this.componentSection(kind, section));
      } else if (asSchema(section.properties) !== undefined) {
        out.push(this.table(this.rows(section)));
      }
    }
    return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
  }
}

/** The flow file reference (docs/flow-reference.md) in Markdown: one section per top-level key, one table per component type. */
export function renderFlowReference(schema: JsonSchema): string {
  return new ReferenceRenderer(schema).render();
}
