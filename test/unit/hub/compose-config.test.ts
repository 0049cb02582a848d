import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../hub/config/load.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('docker-compose.yml', () => {
  it('runs the hub with a config file that validates and listens on every interface', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
    const command = compose.services.hub?.command ?? [];
    const configPath = command[command.indexOf('--config') + 1]!;
    expect(configPath).toBe('/app/flows/hub.compose.yaml');
    const config = loadHubConfig(join(root, 'flows/hub.compose.yaml'));
    expect(config.listeners.mqtt.host).toBe('0.0.0.0');
    expect(compose.services.agent?.command).toEqual(['agent', '--flow', '/app/flows/greenhouse.yaml']);
  });
});
