import type { FlowRegistries } from './registries.js';
import { renderFlowReference } from './reference.js';
import { buildFlowSchema } from './schema.js';

/** A generated file checked into the repo, path relative to the repo root. */
export interface FlowArtifact {
  path: string;
  text: string;
}

/** The command that regenerates the artifacts (a test says it when they are stale). */
export const REGENERATE_COMMAND = 'npm run build && node dist/agent/flow/write-schema.js';

/** Files generated from the component specs: the editor schema and the flow reference. */
export function flowArtifacts(registries?: FlowRegistries): FlowArtifact[] {
  const schema = buildFlowSchema(registries);
  return [
    { path: 'flows/flow.schema.json', text: `${JSON.stringify(schema, null, 2)}\n` },
    { path: 'docs/flow-reference.md', text: renderFlowReference(schema) },
  ];
}
