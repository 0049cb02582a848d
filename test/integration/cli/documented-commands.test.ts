import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommandLine, walkHelp, type HelpEntry } from '../../helpers/cli-help.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Documented {
  file: string;
  line: string;
  words: string[];
}

// `tributary` (or a path to it) as a command: at the start, after a shell operator, sudo, setpriv or env.
const invocation = /(?:^|&& |\|\| |; |\| |\$\(|(?:sudo(?: -u \S+)?|setpriv(?: --\S+)*|env|exec) )(?:node (?:bin|dist\/cli)\/tributary\.js|tributary|"?\S*\/bin\/tributary(?:\.js)?"?)(?= |$)(.*)/;

/** The tributary command lines in one line of shell: the words up to a pipe, a redirection or a comment. */
function commandsIn(file: string, line: string): Documented[] {
  const found: Documented[] = [];
  let rest = line.trim();
  for (let m = invocation.exec(rest); m !== null; m = invocation.exec(rest)) {
    const words: string[] = [];
    for (const word of m[1]!.trim().split(/\s+/)) {
      if (word === '' || /^(?:\d?[<>]|[|&;#])/.test(word)) break; // a pipe, a redirection, the next command
      words.push(word.replace(/;$/, ''));
      if (word.endsWith(';')) break;
    }
    // a table row or a sketch ("tributary AgentBuffer ...", "tributary.js hub|agent ..."), not a command line
    if (words.length > 0 && !/^(?:-|[a-z][a-z-]*$)/.test(words[0]!)) break;
    found.push({ file, line: line.trim(), words });
    rest = m[1]!;
  }
  return found;
}

/** Fenced code blocks (a `\` continues a line) and inline code spans of a markdown file. */
function markdownCommands(file: string): Documented[] {
  const found: Documented[] = [];
  const text = readFileSync(join(root, file), 'utf8');
  const prose: string[] = [];
  let inBlock = false;
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    if (line.trimStart().startsWith('```')) inBlock = !inBlock;
    else if (inBlock) found.push(...commandsIn(file, line.replace(/(^|\s)#.*$/, '')));
    else prose.push(line);
  }
  // a code span may wrap onto the next line
  for (const span of prose.join('\n').matchAll(/`([^`]+)`/g)) found.push(...commandsIn(file, span[1]!.replace(/\n/g, ' ')));
  return found;
}

/** Lines of a shell script or unit file; quoted messages ("... tributary ...") are prose, not commands. */
function scriptCommands(file: string): Documented[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\\\n\s*/g, ' ');
  return text.split('\n').flatMap((line) => {
    const code = line.replace(/"[^"]*"/g, (quoted) => (quoted.includes(' ') ? '"…"' : quoted)).replace(/(^|\s)#.*$/, '');
    return [...line.matchAll(/`([^`]+)`/g)].flatMap((span) => commandsIn(file, span[1]!)).concat(commandsIn(file, code));
  });
}

/** The commands of docker-compose.yml's services that run the tributary image. */
function composeCommands(): Documented[] {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string; command?: string[] }> };
  return Object.entries(compose.services)
    .filter(([, s]) => s.image?.startsWith('tributary') && Array.isArray(s.command))
    .map(([name, s]) => ({ file: `docker-compose.yml (${name})`, line: s.command!.join(' '), words: s.command! }));
}

function files(dir: string, ending: RegExp): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => ending.test(f)).map((f) => join(dir, f));
}

describe('every tributary command shown in README, docs, deploy and docker-compose.yml exists', () => {
  let entries: HelpEntry[];
  let documented: Documented[];
  beforeAll(() => {
    entries = walkHelp();
    documented = [
      ...['README.md', ...files('docs', /\.md$/)].flatMap(markdownCommands),
      ...files('deploy', /\.(sh|service)$/).flatMap(scriptCommands),
      ...composeCommands(),
    ];
  });

  it('finds the command lines (README\'s command-line section, the install doc, the units, compose)', () => {
    const lines = documented.map((d) => `${d.file}: ${d.words.join(' ')}`);
    expect(lines).toContain('README.md: log dump --data-dir ./data/greenhouse-a --partition 0 --from 0 --to 100');
    expect(lines).toContain('README.md: sim-devices serial --kind nmea --count 2');
    expect(lines).toContain('docs/install-raspberry-pi.md: hub agent add van-017 --config /etc/tributary/hub.yaml');
    expect(lines).toContain('docs/install-raspberry-pi.md: log verify --data-dir /var/lib/tributary/<id>');
    expect(lines).toContain('deploy/systemd/tributary-agent.service: agent --flow /etc/tributary/flow.yaml');
    expect(lines).toContain('deploy/install-agent.sh: log verify --file "$log"');
    expect(lines).toContain('docker-compose.yml (hub): hub --config /etc/tributary/hub.yaml');
    expect(documented.length).toBeGreaterThan(40);
  });

  it('each names subcommands and options the command line has', () => {
    const problems = documented.flatMap((d) => {
      const problem = checkCommandLine(d.words, entries);
      return problem === undefined ? [] : [`${d.file}: "${d.line}": ${problem}`];
    });
    expect(problems).toEqual([]);
  });
});
