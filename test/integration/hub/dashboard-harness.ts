import type { MqttClient } from 'mqtt';
import { silentLogger } from '../../../core/logger.js';
import { topics } from '../../../core/protocol.js';
import type { AgentStatusReport, OfflineNotice } from '../../../core/status.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { startHub, type RunningHub } from '../../../hub/hub.js';
import { connectClient } from '../../unit/hub/broker-harness.js';
import { offlineNotice } from '../../unit/hub/status-fixtures.js';

export { offlineNotice, statusReport } from '../../unit/hub/status-fixtures.js';

export const TOKEN = 'dashboard-test-token-0123456789';

/** A real hub on loopback ports (4 partitions), optionally with `api.token`, serving the dashboard from `dashboardDir`. */
export async function startDashboardHub(dataDir: string, options: { token?: boolean; extraYaml?: string; dashboardDir?: string } = {}): Promise<{ hub: RunningHub; url: string; mqttUrl: string }> {
  const aggregate = /^aggregate:/m.test(options.extraYaml ?? '') ? '' : 'aggregate: { enabled: false }\n';
  const api = options.token ? `api: { token: ${JSON.stringify(TOKEN)} }\n` : '';
  const yaml = `hub: { id: test-hub, data_dir: ${dataDir} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { host: 127.0.0.1, port: 0 }\nlog: { partitions: 4 }\n${aggregate}${api}${options.extraYaml ?? ''}`;
  const hub = await startHub(loadHubConfigText(yaml, 'hub.yaml'), { logger: silentLogger(), dashboardDir: options.dashboardDir ?? `${dataDir}/no-dashboard` });
  return { hub, url: hub.api.url, mqttUrl: `mqtt://127.0.0.1:${hub.broker.addresses.mqtt!.port}` };
}

/** Registers an agent on the hub and connects it over MQTT as the forwarder does, with its last will set. */
export async function connectAgent(hub: RunningHub, mqttUrl: string, agentId: string, options: { password?: string; intervalMs?: number } = {}): Promise<MqttClient> {
  const password = options.password ?? (await hub.credentials.add(agentId));
  return connectClient(mqttUrl, {
    clientId: `tributary-agent-${agentId}`,
    username: agentId,
    password,
    will: { topic: topics.status(agentId), payload: Buffer.from(JSON.stringify(offlineNotice('connection_lost', 0, options.intervalMs ?? 5000))), qos: 1, retain: false },
  });
}

/** Publishes a status message of `agentId` and waits for the PUBACK (QoS 1, so the hub handled it). */
export async function publishStatus(client: MqttClient, agentId: string, message: AgentStatusReport | OfflineNotice | string): Promise<void> {
  await client.publishAsync(topics.status(agentId), typeof message === 'string' ? message : JSON.stringify(message), { qos: 1 });
}

/** Server-sent events read from a streaming fetch. */
export interface EventStream {
  events: { event: string; data: unknown }[];
  comments: string[];
  /** Resolves with the first event (already received or coming) that matches. */
  next(match: (e: { event: string; data: unknown }) => boolean, timeoutMs?: number): Promise<{ event: string; data: unknown }>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
  status: number;
  contentType: string | null;
}

/** Opens GET `path` as an event stream. */
export async function openEvents(url: string, path: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url + path, { headers, signal: controller.signal });
  const events: EventStream['events'] = [];
  const comments: string[] = [];
  const waiters: { match: (e: { event: string; data: unknown }) => boolean; resolve: (e: { event: string; data: unknown }) => void }[] = [];
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          const parsed = { event, data: JSON.parse(data.join('\n')) as unknown };
          events.push(parsed);
          for (const w of [...waiters]) if (w.match(parsed)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(parsed);
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    comments,
    ended,
    status: response.status,
    contentType: response.headers.get('content-type'),
    close: () => controller.abort(),
    next(match, timeoutMs = 10_000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`)), timeoutMs);
        waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
  };
}
