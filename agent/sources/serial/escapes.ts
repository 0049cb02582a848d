const SIMPLE: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' };

/**
 * Decodes `\r`, `\n`, `\t`, `\0`, `\\` and `\xHH` written literally. YAML only decodes escapes inside
 * double quotes, so `delimiter: \r\n` (plain) or `'\r\n'` would otherwise mean four characters.
 * Returns an Error naming an unknown escape.
 */
export function decodeEscapes(text: string): string | Error {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next !== undefined && next in SIMPLE) {
      out += SIMPLE[next];
      i++;
    } else if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      return new Error(`unknown escape "\\${next ?? ''}": use \\r, \\n, \\t, \\0, \\\\ or \\xHH`);
    }
  }
  return out;
}
