import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const units = ['tributary-agent.service', 'tributary-hub.service'].map((name) => join(root, 'deploy/systemd', name));

/** `[Section] Key=value` lines of a unit file (repeated keys keep every value). */
function parseUnit(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `not a key=value line: ${line}`).toBeGreaterThan(0);
    const key = `${section}.${line.slice(0, eq)}`;
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

describe('systemd units', () => {
  it('systemd-analyze verify reports nothing about them (where systemd is installed)', () => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) return; // no systemd on this machine: the key checks below still run
    for (const unit of units) {
      const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      // verify exits 0 even for an unknown key or a bad value: it only prints them
      const about = r.stderr.split('\n').filter((l) => l.includes(unit.split('/').pop()!));
      expect(about, unit).toEqual([]);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('the agent unit runs as tributary with dialout, restarts on failure, stops cleanly and is hardened', () => {
    const unit = parseUnit(readFileSync(units[0]!, 'utf8'));
    const one = (key: string) => {
      const values = unit.get(key);
      expect(values, key).toBeDefined();
      return values![values!.length - 1];
    };
    expect(one('Service.Type')).toBe('simple');
    expect(one('Service.User')).toBe('tributary');
    expect(one('Service.Group')).toBe('tributary');
    expect(one('Service.SupplementaryGroups')).toBe('dialout');
    expect(one('Service.ExecStart')).toBe('/usr/bin/env tributary agent --flow /etc/tributary/flow.yaml');
    expect(one('Service.StateDirectory')).toBe('tributary');
    expect(one('Service.ConfigurationDirectory')).toBe('tributary');
    expect(one('Service.Restart')).toBe('on-failure');
    // the numbers docs/install-raspberry-pi.md gives: 5 s after a failure, at most 5 times in 5 minutes
    expect(one('Service.RestartSec')).toBe('5s');
    expect(one('Unit.StartLimitBurst')).toBe('5');
    expect(one('Unit.StartLimitIntervalSec')).toBe('300');
    expect(one('Service.KillSignal')).toBe('SIGTERM');
    expect(one('Service.TimeoutStopSec')).toBe('60s');
    expect(one('Service.NoNewPrivileges')).toBe('yes');
    expect(one('Service.ProtectSystem')).toBe('strict');
    expect(one('Service.ReadWritePaths')).toBe('/var/lib/tributary');
    expect(one('Service.PrivateTmp')).toBe('yes');
    expect(one('Service.ProtectHome')).toBe('yes');
    expect(unit.get('Service.DeviceAllow')).toEqual(expect.arrayContaining(['char-ttyUSB rw', 'char-ttyACM rw', 'char-ttyAMA rw', 'char-ttyS rw']));
    // docs/operations.md (Memory): the young generation's hard cap
    expect(unit.get('Service.Environment')).toContain('NODE_OPTIONS=--max-semi-space-size=2');
    // exit codes that a restart cannot fix (docs: tributary --help)
    expect(one('Service.RestartPreventExitStatus')!.split(' ')).toEqual(expect.arrayContaining(['78', '66', '64']));
    expect(one('Install.WantedBy')).toBe('multi-user.target');
    // logs go to journald (rotated by its SystemMaxUse=, docs/install-raspberry-pi.md), not to a file
    for (const stream of ['StandardOutput', 'StandardError']) expect(unit.get(`Service.${stream}`) ?? ['journal'], stream).toEqual(['journal']);
  });

  it('the hub unit runs tributary hub with the same user, directories and stop handling', () => {
    const unit = parseUnit(readFileSync(units[1]!, 'utf8'));
    expect(unit.get('Service.ExecStart')).toEqual(['/usr/bin/env tributary hub --config /etc/tributary/hub.yaml']);
    for (const [key, value] of [['User', 'tributary'], ['StateDirectory', 'tributary'], ['ConfigurationDirectory', 'tributary'], ['Restart', 'on-failure'], ['KillSignal', 'SIGTERM'], ['ProtectSystem', 'strict'], ['ReadWritePaths', '/var/lib/tributary']]) {
      expect(unit.get(`Service.${key}`), key).toEqual([value]);
    }
  });
});

describe('deploy/install-agent.sh', () => {
  const script = join(root, 'deploy/install-agent.sh');
  let dir: ReturnType<typeof tempDir>;
  let target: string;
  let source: string;

  beforeAll(() => {
    dir = tempDir();
    chmodSync(dir.path, 0o755); // the log check runs as the tributary user, who must reach the scratch root
    // A root file system to install into (--root), with the accounts files useradd --prefix edits.
    target = join(dir.path, 'root');
    mkdirSync(join(target, 'etc'), { recursive: true });
    writeFileSync(join(target, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(target, 'etc/group'), 'root:x:0:\ndialout:x:20:\n');
    writeFileSync(join(target, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
    writeFileSync(join(target, 'etc/gshadow'), 'root:*::\ndialout:*::\n');
    chmodSync(join(target, 'etc/shadow'), 0o640);
    chmodSync(join(target, 'etc/gshadow'), 0o640);
    // A stand-in for a built checkout: no dependencies (npm install is then instant and offline); its
    // command records what it was asked to do.
    source = join(dir.path, 'src');
    mkdirSync(join(source, 'bin'), { recursive: true });
    mkdirSync(join(source, 'dist/cli'), { recursive: true });
    writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'tributary', version: '9.8.7', type: 'module' }));
    writeFileSync(join(source, 'dist/cli/tributary.js'), '');
    // `validate` refuses a file saying "not a flow"; `log verify` finds problems in a log saying "corrupt".
    writeFileSync(join(source, 'bin/tributary.js'), `#!${process.execPath}
import { appendFileSync, readFileSync } from 'node:fs';
const args = process.argv.slice(2);
appendFileSync(${JSON.stringify(join(dir.path, 'calls'))}, args.join(' ') + '\\n');
if (args[0] === '--version') console.log('9.8.7');
if (args[0] === 'validate' && readFileSync(args[1], 'utf8').includes('not a flow')) process.exit(78);
if (args[0] === 'log' && readFileSync(args.at(-1), 'utf8') === 'corrupt') process.exit(1);
`);
    chmodSync(join(source, 'bin/tributary.js'), 0o755);
    writeFileSync(join(dir.path, 'calls'), '');
    chmodSync(join(dir.path, 'calls'), 0o666); // the log check runs it as the tributary user
  });
  afterAll(() => dir.remove());

  const install = (args: string[]) => spawnSync('sh', [script, ...args], { encoding: 'utf8' });

  it('--help explains it and exits 0; an unknown argument exits 64', () => {
    const help = install(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: sudo deploy\/install-agent\.sh/);
    expect(help.stdout).toMatch(/Nothing under \/var\/lib\/tributary is ever deleted/);
    expect(install(['--bogus']).status).toBe(64);
  });

  it('refuses to run without root (exit 77)', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', script, '--root', target], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(77);
    expect(r.stderr).toMatch(/run me as root/);
  });

  it('installs user, directories, release and unit; a second run upgrades and keeps the log', () => {
    if (process.getuid?.() !== 0) throw new Error('this test creates accounts in a scratch root and must run as root (CI does)');
    const first = install(['--root', target, '--source', source]);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const passwd = readFileSync(join(target, 'etc/passwd'), 'utf8');
    expect(passwd).toMatch(/^tributary:x:\d+:\d+:Tributary agent:\/var\/lib\/tributary:\/usr\/sbin\/nologin$/m);
    expect(readFileSync(join(target, 'etc/group'), 'utf8')).toMatch(/^dialout:x:20:tributary$/m);
    const uid = Number(/^tributary:x:(\d+):/m.exec(passwd)![1]);
    const state = statSync(join(target, 'var/lib/tributary'));
    expect([state.uid, state.mode & 0o777]).toEqual([uid, 0o750]);
    expect(readlinkSync(join(target, 'opt/tributary/bin/tributary'))).toBe('../current/bin/tributary.js');
    expect(readlinkSync(join(target, 'opt/tributary/current'))).toMatch(/^releases\/9\.8\.7-\d{14}$/);
    expect(readFileSync(join(target, 'etc/systemd/system/tributary-agent.service'), 'utf8')).toBe(readFileSync(units[0]!, 'utf8'));
    expect(lstatSync(join(target, 'etc/systemd/system/multi-user.target.wants/tributary-agent.service')).isSymbolicLink()).toBe(true);

    // a buffered log the upgrade must keep, and check before the agent runs on it
    const logDir = join(target, 'var/lib/tributary/van-017');
    mkdirSync(logDir);
    writeFileSync(join(logDir, 'log.db'), 'buffered records');
    const before = readlinkSync(join(target, 'opt/tributary/current'));
    spawnSync('sleep', ['1']); // release folders are named by the second
    const second = install(['--root', target, '--source', source]);
    expect(second.status, second.stderr + second.stdout).toBe(0);
    expect(readlinkSync(join(target, 'opt/tributary/current'))).not.toBe(before);
    expect(readFileSync(join(logDir, 'log.db'), 'utf8')).toBe('buffered records');
    expect(readFileSync(join(dir.path, 'calls'), 'utf8')).toContain(`log verify --file ${join(logDir, 'log.db')}`);
    expect(passwd.match(/^tributary:/gm)).toHaveLength(1);
    expect(readFileSync(join(target, 'etc/passwd'), 'utf8').match(/^tributary:/gm)).toHaveLength(1);
    expect(existsSync(join(target, 'opt/tributary/releases', before.replace('releases/', '')))).toBe(true);
  });

  it('--flow installs the flow root:tributary 0640 after validate, keeps a replaced one, refuses an invalid one (78)', () => {
    const flow = join(dir.path, 'flow.yaml');
    writeFileSync(flow, 'agent: { id: van-017 }\n');
    spawnSync('sleep', ['1']); // release folders are named by the second
    const first = install(['--root', target, '--source', source, '--flow', flow]);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const installed = join(target, 'etc/tributary/flow.yaml');
    const gid = Number(/^tributary:x:(\d+):/m.exec(readFileSync(join(target, 'etc/group'), 'utf8'))![1]);
    const stat = statSync(installed);
    expect([stat.uid, stat.gid, stat.mode & 0o777]).toEqual([0, gid, 0o640]);
    expect(readFileSync(join(dir.path, 'calls'), 'utf8')).toContain(`validate ${flow}`);

    writeFileSync(flow, 'agent: { id: van-018 }\n');
    spawnSync('sleep', ['1']);
    const replaced = install(['--root', target, '--source', source, '--flow', flow]);
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(readFileSync(installed, 'utf8')).toBe('agent: { id: van-018 }\n');
    const backups = readdirSync(join(target, 'etc/tributary')).filter((f) => f.startsWith('flow.yaml.bak-'));
    expect(backups.map((f) => readFileSync(join(target, 'etc/tributary', f), 'utf8'))).toEqual(['agent: { id: van-017 }\n']);

    const current = readlinkSync(join(target, 'opt/tributary/current'));
    writeFileSync(flow, 'not a flow\n');
    spawnSync('sleep', ['1']);
    const invalid = install(['--root', target, '--source', source, '--flow', flow]);
    expect(invalid.status).toBe(78);
    expect(invalid.stderr).toMatch(/is invalid: nothing was switched/);
    expect(readlinkSync(join(target, 'opt/tributary/current'))).toBe(current);
    expect(readFileSync(installed, 'utf8')).toBe('agent: { id: van-018 }\n');
  });

  it('keeps the three newest releases, the running one among them', () => {
    const releases = readdirSync(join(target, 'opt/tributary/releases')).filter((f) => !f.startsWith('.'));
    // the refused --flow install above left its release unused; the pruning comes with the next install
    spawnSync('sleep', ['1']);
    const r = install(['--root', target, '--source', source]);
    expect(r.status, r.stderr).toBe(0);
    const kept = readdirSync(join(target, 'opt/tributary/releases')).filter((f) => !f.startsWith('.')).sort();
    expect(releases.length).toBeGreaterThan(3);
    expect(kept).toEqual(releases.concat(readlinkSync(join(target, 'opt/tributary/current')).replace('releases/', '')).sort().slice(-3));
  });

  it('an upgrade stops with exit 70 when log verify finds problems in a buffered log, and keeps that log', () => {
    const logFile = join(target, 'var/lib/tributary/van-017/log.db');
    writeFileSync(logFile, 'corrupt');
    spawnSync('sleep', ['1']);
    const r = install(['--root', target, '--source', source]);
    expect(r.status).toBe(70);
    expect(r.stderr).toContain(`log verify found problems in ${logFile}`);
    expect(readFileSync(logFile, 'utf8')).toBe('corrupt');
    writeFileSync(logFile, 'buffered records');
  });

  it('never deletes the state directory: no rm touches /var/lib/tributary', () => {
    const text = readFileSync(script, 'utf8');
    for (const line of text.split('\n').filter((l) => /\brm\b/.test(l) && !l.trim().startsWith('#'))) {
      expect(line, line).not.toMatch(/state|var\/lib/);
    }
  });
});
