import { topics } from '../../core/protocol.js';

/**
 * The hub's ACL: an agent publishes and subscribes only below its own prefix
 * (`tributary/v1/agents/<id>/`). Agent ids cannot hold `+`, `#` or `/`, so a filter that starts with
 * the prefix can only match the agent's own topics.
 */
export function mayPublish(agentId: string, topic: string): boolean {
  return topic.startsWith(topics.agentPrefix(agentId));
}

/** See mayPublish; `tributary/v1/agents/<id>/#` is allowed, `tributary/v1/agents/+/positions` is not. */
export function maySubscribe(agentId: string, topicFilter: string): boolean {
  return topicFilter.startsWith(topics.agentPrefix(agentId));
}

/** The client id the agent's forwarder uses (agent/forward/forwarder.ts): `tributary-agent-<agent id>`. */
export const FORWARDER_CLIENT_ID_PREFIX = 'tributary-agent-';

/**
 * An agent's client id is derived from its agent id: `tributary-agent-<id>` (the forwarder's), `<id>`, or
 * `<id>:<anything>` for extra connections (tools). So no agent can take over another's MQTT session
 * (same client id = takeover), while a restarted agent replaces its own stale connection.
 */
export function clientIdFits(agentId: string, clientId: string): boolean {
  return clientId === agentId || clientId === `${FORWARDER_CLIENT_ID_PREFIX}${agentId}` || clientId.startsWith(`${agentId}:`);
}
