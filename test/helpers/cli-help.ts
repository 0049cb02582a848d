import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** One command of `tributary` as its --help describes it. */
export interface HelpEntry {
  /** The words after `tributary`, e.g. ['hub', 'agent', 'add']. */
  path: string[];
  status: number | null;
  text: string;
  /** Every flag of Options and Global Options, with whether it takes a value. */
  options: Map<string, boolean>;
  subcommands: string[];
  /** The Usage line names arguments beyond [options] and [command]. */
  takesArguments: boolean;
}

/** The lines of a help section ("Options:", "Commands:") up to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function parseHelp(path: string[], status: number | null, text: string): HelpEntry {
  const options = new Map<string, boolean>();
  for (const line of [...section(text, 'Options:'), ...section(text, 'Global Options:')]) {
    if (!/^ {2}-/.test(line)) continue; // a description's continuation line
    const flags = line.trim().split(/ {2,}/)[0]!;
    for (const m of flags.matchAll(/(?:^|[ ,])(--?[A-Za-z0-9][\w-]*)/g)) options.set(m[1]!, /[<[]/.test(flags));
  }
  const subcommands = section(text, 'Commands:')
    .filter((line) => /^ {2}\S/.test(line))
    .map((line) => line.trim().split(/\s/)[0]!)
    .filter((name) => name !== 'help');
  const usage = /^Usage: .*$/m.exec(text)?.[0] ?? '';
  const takesArguments = /[<[]/.test(usage.replace(/\[(options|command)\]/g, ''));
  return { path, status, text, options, subcommands, takesArguments };
}

/** Runs `tributary ... --help` from dist/ for the root command and, recursively, every subcommand. */
export function walkHelp(): HelpEntry[] {
  const entries: HelpEntry[] = [];
  const visit = (path: string[]) => {
    const r = spawnSync(process.execPath, [`${root}bin/tributary.js`, ...path, '--help'], { encoding: 'utf8' });
    const entry = parseHelp(path, r.status, r.stdout);
    entries.push(entry);
    for (const sub of entry.subcommands) visit([...path, sub]);
  };
  visit([]);
  return entries;
}

/** A word of a documented command line, without the brackets and punctuation prose puts around it. */
function bare(word: string): string {
  return word.replace(/^[[("'`]+/, '').replace(/[\])"'`,.;:]+$/, '');
}

/**
 * Checks the words after `tributary` against the help tree: each subcommand exists, each option exists
 * on the command it is given to (or a parent's global option), arguments only where the command takes
 * them. Returns the problem, or undefined.
 */
export function checkCommandLine(words: string[], entries: HelpEntry[]): string | undefined {
  const byPath = new Map(entries.map((e) => [e.path.join(' '), e]));
  let command = byPath.get('')!;
  let expectValue = false;
  for (const raw of words) {
    const word = bare(raw);
    if (word === '' || word === '-') continue; // "-": a value meaning stdin
    if (expectValue) {
      expectValue = false;
      continue;
    }
    if (word.startsWith('-')) {
      const flag = word.split('=')[0]!;
      if (!command.options.has(flag)) return `tributary ${command.path.join(' ')} has no option ${flag}`;
      expectValue = command.options.get(flag)! && !word.includes('=');
      continue;
    }
    const sub = byPath.get([...command.path, word].join(' '));
    if (sub !== undefined) {
      command = sub;
      continue;
    }
    if (!command.takesArguments) return `tributary ${command.path.join(' ')} has no subcommand ${word} and takes no arguments`;
  }
  return undefined;
}
