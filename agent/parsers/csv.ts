import type { JsonValue } from '../../core/record.js';
import type { CsvParserConfig } from './config.js';
import { inferCell } from './infer-types.js';
import type { Parser } from './parser.js';
import { applyRecordFields } from './record-fields.js';

/** One row of delimited text per frame, as an object keyed by column name. */
export function createCsvParser(config: CsvParserConfig): Parser {
  let columns: string[] | undefined = config.header;
  let headerFrame: string | undefined;

  return {
    parse(frame) {
      const line = frame.replace(/\r?\n?$/, '');
      if (config.header_line) {
        if (headerFrame === undefined) {
          const names = splitRow(line, config.delimiter);
          if (names instanceof Error) return { ok: false, reason: `header line: ${names.message}` };
          const problem = headerProblem(names);
          if (problem) return { ok: false, reason: `header line: ${problem}` };
          headerFrame = line;
          if (!config.header) columns = names.map((cell) => cell.text);
          return { ok: false, skip: true, reason: 'header line' };
        }
        // Devices reprint their header after a reset; it is not data.
        if (line === headerFrame) return { ok: false, skip: true, reason: 'repeated header line' };
      }
      if (!columns) return { ok: false, reason: 'no header: set `header` or `header_line: true`' };
      const cells = splitRow(line, config.delimiter);
      if (cells instanceof Error) return { ok: false, reason: cells.message };
      if (cells.length !== columns.length) {
        return { ok: false, reason: `expected ${columns.length} columns, got ${cells.length}` };
      }
      const value: { [field: string]: JsonValue } = {};
      columns.forEach((name, i) => {
        const cell = cells[i] as Cell;
        value[name] = config.infer_types && !cell.quoted ? inferCell(cell.text) : cell.text;
      });
      return applyRecordFields(value, config);
    },
    reset() {
      headerFrame = undefined;
      if (!config.header) columns = undefined;
    },
  };
}

interface Cell {
  text: string;
  /** Quoted cells stay strings: quoting is how a writer says "this is text". */
  quoted: boolean;
}

/** Splits one row, honouring RFC 4180 double quotes (`"a,b"`, `"say ""hi"""`); unquoted cells are trimmed. */
export function splitRow(line: string, delimiter: string): Cell[] | Error {
  const cells: Cell[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') {
      if (line.startsWith(delimiter, i)) break;
      i++;
    }
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return new Error(`unterminated quoted cell in column ${cells.length + 1}`);
        text += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          text += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      cells.push({ text, quoted: true });
      if (i === line.length) return cells;
      if (!line.startsWith(delimiter, i)) return new Error(`unexpected text after quoted cell in column ${cells.length}`);
      i += delimiter.length;
      continue;
    }
    const end = line.indexOf(delimiter, i);
    if (end < 0) {
      cells.push({ text: line.slice(i).trim(), quoted: false });
      return cells;
    }
    cells.push({ text: line.slice(i, end).trim(), quoted: false });
    i = end + delimiter.length;
  }
}

function headerProblem(cells: Cell[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, cell] of cells.entries()) {
    if (cell.text === '') return `column ${i + 1} has no name`;
    if (seen.has(cell.text)) return `column name "${cell.text}" appears twice`;
    seen.add(cell.text);
  }
  return undefined;
}
