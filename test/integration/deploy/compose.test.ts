import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFlow } from '../../../agent/flow/load.js';
import { loadHubConfig } from '../../../hub/config/load.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const composeFile = join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  volumes?: string[];
  secrets?: { source: string }[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

/** Debian's docker-compose 1.29 (apt-get install docker-compose): CI has no Docker engine, only this. */
function dockerCompose(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', composeFile, ...args], { cwd: root, encoding: 'utf8' });
  if (r.error) throw new Error(`docker-compose cannot run (${r.error.message}): install it with "apt-get install docker-compose" (scripts/setup.sh)`);
  return r;
}

/** `host:container[:mode]` of a bind mount as `docker-compose config` prints it (absolute host path). */
function binds(service: Service): { host: string; target: string; mode: string }[] {
  return (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter((parts) => parts[0]!.startsWith('/'))
    .map(([host, target, mode]) => ({ host: host!, target: target!, mode: mode ?? 'rw' }));
}

function mountedAt(service: Service, target: string): string | undefined {
  return binds(service).find((b) => b.target === target)?.host;
}

/** The port of the http://127.0.0.1:PORT/healthz URL in a healthcheck. */
function healthcheckPort(service: Service): number | undefined {
  const match = /http:\/\/127\.0\.0\.1:(\d+)\/healthz/.exec((service.healthcheck?.test ?? []).join(' '));
  return match ? Number(match[1]) : undefined;
}

/** Every `{ file: ... }` secret a config file reads, found anywhere in its YAML. */
function secretFiles(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) secretFiles(v, found);
  else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.file === 'string' && Object.keys(object).length === 1) found.push(object.file);
    for (const v of Object.values(object)) secretFiles(v, found);
  }
  return found;
}

describe('docker-compose.yml', () => {
  let compose: Compose;
  beforeAll(() => {
    const check = dockerCompose(['config', '-q']);
    expect(check.stderr + check.stdout, 'docker-compose config -q').toBe('');
    expect(check.status).toBe(0);
    const resolved = dockerCompose(['config']);
    expect(resolved.status, resolved.stderr).toBe(0);
    compose = parse(resolved.stdout) as Compose;
  });

  it('is valid for docker-compose and catches a misspelt key (the check is real)', () => {
    const dir = tempDir();
    try {
      const bad = readFileSync(composeFile, 'utf8').replace('stop_grace_period: 30s', 'stop_grace_periodd: 30s');
      const badFile = join(dir.path, 'docker-compose.yml');
      cpSync(join(root, 'deploy'), join(dir.path, 'deploy'), { recursive: true });
      execFileSync('sh', ['-c', 'cat > "$1"', 'sh', badFile], { input: bad });
      const r = spawnSync('docker-compose', ['-f', badFile, 'config', '-q'], { cwd: dir.path, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/stop_grace_periodd/);
    } finally {
      dir.remove();
    }
  });

  it('runs a hub, two agents, simulated devices and an edge broker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['fleet-gps-agent', 'greenhouse-agent', 'hub', 'hub-setup', 'mosquitto', 'sim-devices']);
    expect(compose.services.hub!.command?.[0]).toBe('hub');
    expect(compose.services['greenhouse-agent']!.command?.slice(0, 1)).toEqual(['agent']);
    expect(compose.services['fleet-gps-agent']!.command?.slice(0, 1)).toEqual(['agent']);
    expect(compose.services['sim-devices']!.command?.slice(0, 2)).toEqual(['sim-devices', 'mqtt']);
  });

  it('mounts every file it names, config read-only, and each exists', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const bind of binds(service)) {
        expect(existsSync(bind.host), `${name}: ${bind.host}`).toBe(true);
        expect(bind.mode, `${name}: ${bind.host} is config, mounted read-only`).toBe('ro');
      }
    }
  });

  it('hub config and agent flows it mounts are valid, and the healthchecks ask the ports they configure', () => {
    const hub = compose.services.hub!;
    const configPath = hub.command![hub.command!.indexOf('--config') + 1]!;
    const hubConfig = loadHubConfig(mountedAt(hub, configPath)!);
    expect(hubConfig.listeners.http?.host).toBe('0.0.0.0');
    expect(healthcheckPort(hub)).toBe(hubConfig.listeners.http?.port);
    expect(JSON.stringify(hub.ports)).toContain(String(hubConfig.listeners.http?.port));

    for (const name of ['greenhouse-agent', 'fleet-gps-agent']) {
      const service = compose.services[name]!;
      const flowPath = service.command![service.command!.indexOf('--flow') + 1]!;
      const flow = loadFlow(mountedAt(service, flowPath)!);
      expect(flow.agent.data_dir.startsWith('/var/lib/tributary/'), `${name}: data_dir inside the volume`).toBe(true);
      expect(service.volumes).toContain(`${name.replace('-agent', '')}-data:/var/lib/tributary:rw`);
      expect(flow.forward?.url).toBe('mqtt://hub:1883');
      expect(flow.agent.http?.host).toBe('0.0.0.0');
      expect(healthcheckPort(service), `${name}: healthcheck port`).toBe(flow.agent.http?.port);
      expect(service.depends_on?.hub?.condition).toBe('service_healthy');
    }
  });

  it('gives each service the secret files its config reads, and nothing as environment', () => {
    const reads: Record<string, string> = {
      hub: '--config',
      'greenhouse-agent': '--flow',
      'fleet-gps-agent': '--flow',
    };
    for (const [name, option] of Object.entries(reads)) {
      const service = compose.services[name]!;
      const file = mountedAt(service, service.command![service.command!.indexOf(option) + 1]!)!;
      const wanted = secretFiles(parse(readFileSync(file, 'utf8'))).filter((f) => f.startsWith('/run/secrets/'));
      expect(wanted.length, `${name} reads secrets from files`).toBeGreaterThan(0);
      const given = (service.secrets ?? []).map((s) => `/run/secrets/${s.source}`);
      for (const secret of wanted) expect(given, `${name} needs ${secret}`).toContain(secret);
    }
    expect(readFileSync(composeFile, 'utf8')).not.toMatch(/PASSWORD:|TOKEN:/);
  });

  it('init-secrets.sh creates exactly the secret files the compose file lists, kept out of git and the image', () => {
    const dir = tempDir();
    try {
      cpSync(join(root, 'deploy/compose/init-secrets.sh'), join(dir.path, 'init-secrets.sh'));
      execFileSync('sh', [join(dir.path, 'init-secrets.sh')], { encoding: 'utf8' });
      const made = readdirSync(join(dir.path, 'secrets')).sort();
      const listed = Object.values(compose.secrets).map((s) => relative(join(root, 'deploy/compose/secrets'), s.file)).sort();
      expect(made).toEqual(listed);
      for (const name of made) {
        const text = readFileSync(join(dir.path, 'secrets', name), 'utf8');
        expect(text).toMatch(/^[A-Za-z0-9_-]{32}$/);
      }
      expect(statSync(join(dir.path, 'secrets')).mode & 0o777).toBe(0o700);
      // a second run keeps what is there
      const first = readFileSync(join(dir.path, 'secrets', made[0]!), 'utf8');
      execFileSync('sh', [join(dir.path, 'init-secrets.sh')], { encoding: 'utf8' });
      expect(readFileSync(join(dir.path, 'secrets', made[0]!), 'utf8')).toBe(first);
    } finally {
      dir.remove();
    }
    expect(readFileSync(join(root, 'deploy/compose/secrets/.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toMatch(/^deploy\/compose\/secrets$/m);
  });

  it('keeps every log in a named volume and stops each long-running service gracefully', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'hub-setup') {
        expect(service.restart).toBe('no');
        continue;
      }
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.stop_grace_period, name).toMatch(/^\d+s$/);
      expect(service.healthcheck === undefined && name !== 'sim-devices', `${name} has a healthcheck`).toBe(false);
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['fleet-gps-data', 'greenhouse-data', 'hub-data', 'mosquitto-data']);
    expect(compose.services.hub!.volumes).toContain('hub-data:/var/lib/tributary:rw');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

  it('copies only paths that exist in the build context', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
    expect(copies.length).toBeGreaterThan(0);
    for (const args of copies) {
      for (const source of args.slice(0, -1)) {
        if (source === '.') continue;
        expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
        expect(ignored, `COPY ${source} is not excluded by .dockerignore`).not.toContain(source);
      }
    }
    // the runtime needs the CLI entry and package.json (agent/version.ts reads the version from it)
    expect(dockerfile).toMatch(/^COPY bin \.\/bin$/m);
    expect(dockerfile).toMatch(/^COPY package\.json \.\/$/m);
  });

  it('builds on node:20-bookworm-slim in stages and runs as tributary (dialout) with its data in a volume', () => {
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(['node:20-bookworm-slim', 'toolchain', 'toolchain', 'node:20-bookworm-slim']);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/--groups dialout/);
    expect(dockerfile).toMatch(/^USER tributary$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/var\/lib\/tributary"\]$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tributary"\]$/m);
    // the runtime stage has no compiler
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).not.toMatch(/g\+\+|apt-get install/);
  });

  it('keeps node_modules, dist, the git history and local secrets out of the build context', () => {
    for (const path of ['node_modules', 'dist', '.git', 'deploy/compose/secrets']) expect(ignored).toContain(path);
  });
});
