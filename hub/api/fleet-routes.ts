import { isAgentId } from '../credentials/agent-id.js';
import type { FleetRegistry } from '../fleet/registry.js';
import { AGENT_STATES, type AgentState } from '../fleet/summary.js';
import { ApiError, badParameter } from './errors.js';
import type { ApiServer } from './server.js';

/** Adds GET /v1/agents (optionally `?state=online,offline`) and GET /v1/agents/:id. */
export function addFleetRoutes(server: ApiServer, fleet: FleetRegistry): void {
  server.route('GET', '/v1/agents', (req) => {
    const filter = req.query.get('state');
    let states: Set<AgentState> | undefined;
    if (filter !== null) {
      const wanted = filter.split(',').map((s) => s.trim());
      const unknown = wanted.filter((s) => !(AGENT_STATES as readonly string[]).includes(s));
      if (unknown.length > 0 || wanted.length === 0) throw badParameter(`state must be a comma-separated list of ${AGENT_STATES.join(', ')}; got ${JSON.stringify(filter)}`);
      states = new Set(wanted as AgentState[]);
    }
    const agents = fleet.summaries();
    return { body: { agents: states === undefined ? agents : agents.filter((a) => states.has(a.state)) } };
  });

  server.route('GET', '/v1/agents/:id', (req) => {
    const id = req.params.id!;
    if (!isAgentId(id)) throw badParameter(`${JSON.stringify(id)} is not an agent id: letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128 characters`);
    const detail = fleet.detail(id);
    if (detail === undefined) throw new ApiError(404, 'ERR_AGENT_UNKNOWN', `no agent ${id}: it is not registered (\`tributary hub agent add ${id}\`) and has not sent a status report`);
    return { body: detail };
  });
}
