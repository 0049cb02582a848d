import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkParserConfig, createParser, parserConfigSchema } from '../../../agent/parsers/index.js';
import { TributaryError } from '../../../core/errors.js';

function validator() {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true });
  return ajv.compile({ type: 'object', properties: { parser: parserConfigSchema }, required: ['parser'] });
}

describe('parserConfigSchema', () => {
  it('applies each format’s defaults', () => {
    const validate = validator();
    const cases: [object, object][] = [
      [{ format: 'lines' }, { format: 'lines', trim: true }],
      [{ format: 'csv', header: ['a'] }, { format: 'csv', header: ['a'], header_line: false, delimiter: ',', infer_types: true }],
      [{ format: 'nmea' }, { format: 'nmea', verify_checksum: true }],
      [{ format: 'regex', pattern: '(?<a>x)' }, { format: 'regex', pattern: '(?<a>x)', flags: '', infer_types: true }],
      [{ format: 'json' }, { format: 'json' }],
    ];
    for (const [input, expected] of cases) {
      const data = { parser: { ...input } };
      expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
      expect(data.parser).toEqual(expected);
    }
  });

  it('rejects unknown formats and options of another format, pointing at the parser', () => {
    const validate = validator();
    expect(validate({ parser: { format: 'xml' } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/parser', params: { tagValue: 'xml' } });
    expect(validate({ parser: { format: 'lines', verify_checksum: true } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/parser', params: { additionalProperty: 'verify_checksum' } });
    expect(validate({ parser: { format: 'regex' } })).toBe(false);
    expect(validate({ parser: { format: 'regex', pattern: '(?<a>x)', flags: 'g' } })).toBe(false);
  });

  it('describes every option', () => {
    const branches = parserConfigSchema.oneOf as { properties: Record<string, { description?: string }> }[];
    for (const branch of branches) {
      for (const [name, property] of Object.entries(branch.properties)) expect(property.description, name).toBeTruthy();
    }
  });
});

describe('checkParserConfig', () => {
  it('reports a regex that does not compile, and createParser refuses it', () => {
    const problems = checkParserConfig({ format: 'regex', pattern: '(?<a>x' });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toEqual(['pattern']);
    expect(problems[0]?.message).toMatch(/^pattern does not compile: /);
    expect(() => createParser({ format: 'regex', pattern: '(?<a>x' })).toThrow(TributaryError);
  });

  it('reports a regex without named groups and stateful flags', () => {
    expect(checkParserConfig({ format: 'regex', pattern: '^(\\d+)$' })[0]?.message).toMatch(/no named groups/);
    expect(checkParserConfig({ format: 'regex', pattern: '(?<a>x)', flags: 'g' })[0]?.path).toEqual(['flags']);
  });

  it('reports a csv parser without column names', () => {
    expect(checkParserConfig({ format: 'csv' })).toEqual([
      { path: ['header'], message: 'the csv parser needs column names: set `header: [name, ...]` or `header_line: true`' },
    ]);
    expect(checkParserConfig({ format: 'csv', header_line: true })).toEqual([]);
    expect(checkParserConfig({ format: 'csv', header: ['a', 'a'] })[0]?.message).toMatch(/unique/);
  });

  it('finds nothing wrong with valid configs', () => {
    expect(checkParserConfig({ format: 'nmea' })).toEqual([]);
    expect(checkParserConfig({ format: 'regex', pattern: '^(?<a>\\d+)$' })).toEqual([]);
  });
});
