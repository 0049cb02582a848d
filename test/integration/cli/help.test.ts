import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommandLine, walkHelp, type HelpEntry } from '../../helpers/cli-help.js';

describe('tributary --help on every command and subcommand', () => {
  let entries: HelpEntry[];
  beforeAll(() => {
    entries = walkHelp();
  });

  it('finds every command by following the Commands: sections from the root', () => {
    const names = entries.map((e) => e.path.join(' '));
    // a floor, so a broken walk cannot pass by finding nothing
    for (const name of ['', 'agent', 'hub', 'hub agent', 'hub agent add', 'hub agent revoke', 'hub agent list', 'validate', 'log', 'log verify', 'log dump', 'demo', 'sim-devices', 'sim-devices serial', 'sim-devices mqtt']) {
      expect(names).toContain(name);
    }
  });

  it('each exits 0 with its usage, a description and its options', () => {
    for (const entry of entries) {
      const name = `tributary ${entry.path.join(' ')}`.trim();
      expect(entry.status, name).toBe(0);
      expect(entry.text, name).toMatch(new RegExp(`^Usage: ${name} `));
      expect(entry.text.split('\n')[2]?.trim(), `${name}: description`).not.toBe('');
      expect(entry.options.has('--help'), name).toBe(true);
    }
  });

  it('every example in a help text is a tributary command line that exists, with options that exist', () => {
    let examples = 0;
    for (const entry of entries) {
      const lines = entry.text.split('\n');
      const start = lines.findIndex((l) => /^Examples?:$/.test(l));
      if (start < 0) continue;
      for (const line of lines.slice(start + 1).filter((l) => /^ {2}\S/.test(l))) {
        const invocation = /(?:^|\$\()tributary( .*?)?\)?$/.exec(line.trim());
        expect(invocation, `${entry.path.join(' ')}: example "${line.trim()}" is not a tributary command`).not.toBeNull();
        expect(checkCommandLine((invocation![1] ?? '').trim().split(/\s+/), entries), line).toBeUndefined();
        examples++;
      }
    }
    expect(examples).toBeGreaterThan(5);
  });

  it('the checker is real: it rejects a misspelt subcommand, an unknown option and a stray argument', () => {
    expect(checkCommandLine(['hub', 'agent', 'ad', 'x'], entries)).toMatch(/no subcommand ad/);
    expect(checkCommandLine(['log', 'verify', '--data-dri', 'x'], entries)).toMatch(/has no option --data-dri/);
    expect(checkCommandLine(['demo', 'now'], entries)).toMatch(/takes no arguments/);
    expect(checkCommandLine(['hub', 'agent', 'add', 'x', '--config', 'hub.yaml', '--replace'], entries)).toBeUndefined();
  });
});
