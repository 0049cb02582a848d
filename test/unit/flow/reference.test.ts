import { describe, expect, test } from 'vitest';
import { renderFlowReference } from '../../../agent/flow/reference.js';
import { buildFlowSchema } from '../../../agent/flow/schema.js';
import { fakeRegistries } from './fake-specs.js';

describe('renderFlowReference', () => {
  const doc = renderFlowReference(buildFlowSchema(fakeRegistries()));

  test('has one section per top-level key, in schema order', () => {
    const headings = doc.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(['## agent', '## sources', '## processors', '## buffer', '## forward']);
  });

  test('has one table per component type with option, type, default and description', () => {
    expect(doc).toContain('### `ticker` source');
    expect(doc).toContain('### `fork` processor');
    expect(doc).toContain('| `rate_per_sec` | number | `1` | Records per second. |');
    expect(doc).toContain('| `unit` | `"celsius"` \\| `"fahrenheit"` |  | Unit of the value. |');
    expect(doc).toContain('| `url` | string | required | Broker URL. |');
    // nested options of alternatives, and a secret's shapes in its type
    expect(doc).toContain('| `framing.delimiter` | string | required | (alternative 1) Delimiter. |');
    expect(doc).toContain('| `password` | string \\| { env } \\| { file } |');
    // processors list their inputs; `type` is in the heading, not a row
    expect(doc).toMatch(/### `pass` processor[\s\S]*\| `inputs` \| list of string \| required \|/);
    expect(doc).not.toContain('| `type` |');
  });

  test('shows buffer defaults, sizes in readable units', () => {
    expect(doc).toContain('| `partitions` | integer | `4` |');
    expect(doc).toContain('| `max_bytes` | bytes (integer or size string) | `268435456` (256 MiB) |');
    expect(doc).toContain('| `when_full` | `"block"` \\| `"drop_oldest"` \\| `"drop_newest"` | `"block"` |');
  });

  test('keeps every table row on one line, with pipes escaped', () => {
    for (const line of doc.split('\n').filter((row) => row.startsWith('| `'))) {
      expect(line.replace(/\\\|/g, '').split('|').length, line).toBe(6);
    }
  });
});
