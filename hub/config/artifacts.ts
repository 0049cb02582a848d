import { buildHubSchema } from './schema.js';

/** The command that regenerates flows/hub.schema.json (a test says it when the file is stale). */
export const HUB_REGENERATE_COMMAND = 'npm run build && node dist/hub/config/write-schema.js';

/** Files generated from the hub config schema, path relative to the repo root. */
export function hubConfigArtifacts(): { path: string; text: string }[] {
  return [{ path: 'flows/hub.schema.json', text: `${JSON.stringify(buildHubSchema(), null, 2)}\n` }];
}
