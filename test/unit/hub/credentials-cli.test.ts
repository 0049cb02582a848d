import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { topics } from '../../../core/protocol.js';
import { startCli } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { connectClient, startTestHub, type TestHub } from './broker-harness.js';

/** Runs the built `tributary` CLI to its end: exit code, stdout, stderr. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout.join(''), stderr: cli.logs.map((line) => String(line.msg)).join('\n') };
}

describe('tributary hub agent (built CLI) next to a running hub', () => {
  const dir = tempDir('tributary-hub-cli-');
  let hub: TestHub;
  let config: string;

  beforeAll(async () => {
    hub = await startTestHub();
    // the CLI finds the running hub's credentials file through the same data_dir
    config = join(dir.path, 'hub.yaml');
    writeFileSync(config, `hub:\n  data_dir: ${dirname(hub.store.path)}\n`);
  });

  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  test('add prints the generated password and nothing else on stdout; the running hub accepts it at once', async () => {
    const added = await run(['hub', 'agent', 'add', 'cli-agent', '--config', config]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^[A-Za-z0-9_-]{32}\n$/);
    expect(added.stderr).toContain('added agent cli-agent');
    const password = added.stdout.trim();
    const client = await connectClient(hub.url, { clientId: 'cli-agent', username: 'cli-agent', password });
    await client.publishAsync(topics.hello('cli-agent'), '{}', { qos: 1 });
    await client.endAsync();
  });

  test('several CLI processes add agents while the hub authenticates: every one works', async () => {
    const ids = ['par-1', 'par-2', 'par-3', 'par-4'];
    const results = await Promise.all(ids.map((id) => run(['hub', '--config', config, 'agent', 'add', id])));
    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    const clients = await Promise.all(ids.map((id, i) => connectClient(hub.url, { clientId: id, username: id, password: results[i]!.stdout.trim() })));
    expect(hub.broker.clients().map((agent) => agent.agentId).sort()).toEqual(expect.arrayContaining(ids));
    await Promise.all(clients.map((client) => client.endAsync()));
  });

  test('add --password-file takes the password from the file (trailing newline dropped) and prints nothing', async () => {
    const file = join(dir.path, 'password.txt');
    writeFileSync(file, 'my own long password\n');
    const added = await run(['hub', 'agent', 'add', 'file-agent', '--password-file', file, '--config', config]);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('');
    expect(await hub.store.verify('file-agent', 'my own long password')).toBe(true);
    const missing = await run(['hub', 'agent', 'add', 'file-agent-2', '--password-file', join(dir.path, 'nope.txt'), '--config', config]);
    expect(missing.code).toBe(66);
  });

  test('add refuses an existing agent (exit 64) unless --replace; revoke stops its next connection', async () => {
    const first = await run(['hub', 'agent', 'add', 'rotating', '--config', config]);
    const again = await run(['hub', 'agent', 'add', 'rotating', '--config', config]);
    expect(again.code).toBe(64);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('--replace');
    const replaced = await run(['hub', 'agent', 'add', 'rotating', '--replace', '--config', config]);
    expect(replaced.code).toBe(0);
    await expect(connectClient(hub.url, { clientId: 'rotating', username: 'rotating', password: first.stdout.trim() })).rejects.toMatchObject({ code: 4 });
    const newPassword = replaced.stdout.trim();
    (await connectClient(hub.url, { clientId: 'rotating', username: 'rotating', password: newPassword })).end(true);

    const revoked = await run(['hub', 'agent', 'revoke', 'rotating', '--config', config]);
    expect(revoked).toMatchObject({ code: 0, stdout: 'revoked agent rotating\n' });
    await expect(connectClient(hub.url, { clientId: 'rotating', username: 'rotating', password: newPassword })).rejects.toMatchObject({ code: 5 });
    const [twice, unknown] = await Promise.all([run(['hub', 'agent', 'revoke', 'rotating', '--config', config]), run(['hub', 'agent', 'revoke', 'never-added', '--config', config])]);
    expect(twice).toMatchObject({ code: 0, stdout: 'agent rotating was already revoked\n' });
    expect(unknown.code).toBe(64);
  });

  test('list prints a table, or JSON with --json', async () => {
    const [table, json] = await Promise.all([run(['hub', 'agent', 'list', '--config', config]), run(['hub', 'agent', 'list', '--json', '--config', config])]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^AGENT\s+STATUS\s+CREATED\s+REVOKED$/);
    expect(lines.find((line) => line.startsWith('rotating '))).toMatch(/^rotating\s+revoked\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\d\d-\d\dT\S+Z$/);
    expect(lines.find((line) => line.startsWith('cli-agent '))).toMatch(/^cli-agent\s+active\s+\S+Z$/);
    const agents = JSON.parse(json.stdout) as { agentId: string; status: string; createdAt: string; revokedAt?: string }[];
    expect(agents.map((agent) => agent.agentId)).toEqual([...agents.map((agent) => agent.agentId)].sort());
    expect(agents.find((agent) => agent.agentId === 'rotating')).toMatchObject({ status: 'revoked', revokedAt: expect.stringMatching(/Z$/) });
    expect(agents.find((agent) => agent.agentId === 'cli-agent')).toEqual({ agentId: 'cli-agent', status: 'active', createdAt: expect.stringMatching(/Z$/) });
  });

  test('an invalid agent id exits 64; an invalid config exits 78', async () => {
    const bad = join(dir.path, 'bad.yaml');
    writeFileSync(bad, 'hub:\n  dta_dir: x\n');
    const [badId, invalid] = await Promise.all([run(['hub', 'agent', 'add', 'bad/id', '--config', config]), run(['hub', 'agent', 'list', '--config', bad])]);
    expect(badId.code).toBe(64);
    expect(invalid.code).toBe(78);
    expect(invalid.stderr).toContain(`${bad}:2:3: hub.dta_dir: unknown key "dta_dir" (did you mean "data_dir"?)`);
  });

  test('--help shows examples and the global --config', async () => {
    const help = await run(['hub', 'agent', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--config');
  });
});
