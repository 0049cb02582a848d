import { isScalar, parseDocument, visit } from 'yaml';

/** What replaces a secret value in the flow text sent to the hub. */
export const REDACTED = '***';

/** Keys whose inline values are secrets: password, token, secret, and any `*_key` (api_key, private_key...). */
const SECRET_KEY = /^(password|passphrase|token|secret)$|_(key|password|token|secret)$/i;
/** `scheme://user:password@host`: the password part of a URL's user info. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^/@\s]+@/i;

/** Whether a YAML key names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * The flow file text with secret values replaced by `"***"`, layout and comments untouched: inline
 * values of secret keys (a `{ env: NAME }` / `{ file: PATH }` reference is kept, it holds no secret)
 * and passwords inside URLs. Text that does not parse is replaced whole rather than sent as is.
 */
export function redactFlowYaml(text: string): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return `# the flow file could not be parsed for redaction; not shown (${doc.errors.length} YAML error(s))\n`;
  const edits: { start: number; end: number; text: string }[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      const value = pair.value;
      if (!isScalar(key) || typeof key.value !== 'string' || !isSecretKey(key.value)) return undefined;
      if (!isScalar(value) || value.value === null || !value.range) return undefined;
      edits.push({ start: value.range[0], end: value.range[1], text: JSON.stringify(REDACTED) });
      return visit.SKIP;
    },
    Scalar(_, node) {
      if (typeof node.value !== 'string' || !node.range || !URL_PASSWORD.test(node.value)) return;
      edits.push({ start: node.range[0], end: node.range[1], text: JSON.stringify(node.value.replace(URL_PASSWORD, `$1${REDACTED}@`)) });
    },
  });
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
