import { encodeBatch } from '../../../core/log/batch.js';
import { silentLogger } from '../../../core/logger.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { startHub, type RunningHub } from '../../../hub/hub.js';

/** A real hub (MQTT and HTTP on free ports; HTTP on `httpHost`) with 4 partitions, in `dataDir`; the built-in aggregator (its own group) is off unless `extraYaml` has an `aggregate:` section. */
export async function startGroupsHub(dataDir: string, extraYaml = '', httpHost = '127.0.0.1', httpPort = 0): Promise<{ hub: RunningHub; url: string }> {
  const aggregate = /^aggregate:/m.test(extraYaml) ? '' : 'aggregate: { enabled: false }\n';
  const yaml = `hub: { data_dir: ${dataDir} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { host: ${JSON.stringify(httpHost)}, port: ${httpPort} }\nlog: { partitions: 4 }\n${aggregate}${extraYaml}`;
  const hub = await startHub(loadHubConfigText(yaml, 'hub.yaml'), { logger: silentLogger() });
  return { hub, url: hub.api.url };
}

/** Appends `count` records keyed `key` to a partition of the hub log (values from `first` on) and wakes long polls. */
export function appendRecords(hub: RunningHub, partition: number, count: number, first = 0, key = `dev-${partition}`): void {
  const records = Array.from({ length: count }, (_, i) => ({ key, ts: 1_700_000_000_000 + first + i, value: { n: first + i }, attrs: { partition: String(partition) } }));
  hub.store.append([{ partition, ...encodeBatch(records) }]);
  hub.appended.notify();
}

/** JSON request to the hub's API; returns the status and parsed body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back and assert on it
export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url + path, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}
