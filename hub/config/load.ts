import { deepFreeze, parseConfigText, readConfigFile } from '../../core/config/load.js';
import { ConfigValidationError, type FileProblem } from '../../core/config/problems.js';
import { schemaProblems, type PathProblem } from '../../core/config/schema-problems.js';
import { compileConfigSchema, type ConfigValidate } from '../../core/config/validator.js';
import { buildHubSchema } from './schema.js';
import type { HubConfig } from './types.js';

export type { HubConfig } from './types.js';

/** Thrown with every problem of a hub config file (ERR_HUB_CONFIG_INVALID), one `file:line:col: path: message` per line. */
export class HubConfigError extends ConfigValidationError {
  constructor(problems: FileProblem[]) {
    super('ERR_HUB_CONFIG_INVALID', problems);
    this.name = 'HubConfigError';
  }
}

let validator: ConfigValidate | undefined;

function validate(data: unknown): ReturnType<ConfigValidate> {
  validator ??= compileConfigSchema(buildHubSchema());
  return validator(data);
}

/**
 * Reads and validates the hub config; no file means every default. Throws ERR_HUB_CONFIG_NOT_FOUND
 * (unreadable) or a HubConfigError (ERR_HUB_CONFIG_INVALID). Returns the frozen config with defaults applied.
 */
export function loadHubConfig(file?: string): HubConfig {
  if (file === undefined) return loadHubData({}, undefined);
  return loadHubConfigText(readConfigFile(file, 'hub config', 'ERR_HUB_CONFIG_NOT_FOUND'), file);
}

/** Validates hub config YAML (`file` names it in messages); an empty text means every default. */
export function loadHubConfigText(text: string, file: string): HubConfig {
  const parsed = parseConfigText(text, file, (problems) => new HubConfigError(problems));
  const data = parsed.data ?? {};
  const errors = validate(data);
  const pathProblems = schemaProblems(errors, { data });
  if (errors.length === 0) pathProblems.push(...crossProblems(data as Omit<HubConfig, 'file'>));
  const problems = [...parsed.problems, ...parsed.place(pathProblems)];
  if (problems.length > 0) throw new HubConfigError(problems);
  return deepFreeze({ file, ...(data as Omit<HubConfig, 'file'>) });
}

function loadHubData(data: Record<string, unknown>, file: string | undefined): HubConfig {
  const errors = validate(data);
  // the defaults are valid by construction; a failure here is a bug in the schema
  if (errors.length > 0) throw new Error(`the hub config defaults do not validate: ${JSON.stringify(errors)}`);
  return deepFreeze({ file, ...(data as Omit<HubConfig, 'file'>) });
}

/** What the schema cannot say: listeners that collide, no way for agents to connect. */
function crossProblems(config: Omit<HubConfig, 'file'>): PathProblem[] {
  const problems: PathProblem[] = [];
  const { mqtt, mqtts, http } = config.listeners;
  if (!mqtt.enabled && mqtts === undefined) {
    problems.push({ path: ['listeners', 'mqtt', 'enabled'], at: 'value', message: 'no MQTT listener left: keep `mqtt` enabled or configure `mqtts`, or agents cannot connect' });
  }
  if (mqtts !== undefined && mqtts.require_client_cert && mqtts.ca_file === undefined) {
    problems.push({ path: ['listeners', 'mqtts', 'require_client_cert'], at: 'value', message: 'require_client_cert needs ca_file: the CA that signs the agents\' certificates' });
  }
  const bound: { path: string[]; host: string; port: number }[] = [];
  if (mqtt.enabled) bound.push({ path: ['listeners', 'mqtt', 'port'], host: mqtt.host, port: mqtt.port });
  if (mqtts !== undefined) bound.push({ path: ['listeners', 'mqtts', 'port'], host: mqtts.host, port: mqtts.port });
  bound.push({ path: ['listeners', 'http', 'port'], host: http.host, port: http.port });
  const wildcard = (host: string) => host === '0.0.0.0' || host === '::';
  for (let i = 0; i < bound.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [bound[j]!, bound[i]!];
      const overlap = a.host === b.host || wildcard(a.host) || wildcard(b.host);
      if (a.port !== 0 && a.port === b.port && overlap) {
        problems.push({ path: b.path, at: 'value', message: `port ${b.port} is already used by listeners.${a.path[1]}: give each listener its own port` });
      }
    }
  }
  return problems;
}
