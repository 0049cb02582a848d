/**
 * Agent ids appear in topics, client ids and file names: letters, digits, `_`, `.` and `-`, starting
 * with a letter or digit, so never a topic wildcard (`+`, `#`), a level separator (`/`) or `:`.
 * The same pattern as the flow's `agent.id` (a test keeps them equal).
 */
export const AGENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
export const AGENT_ID_MAX_LENGTH = 128;

const agentIdRegex = new RegExp(AGENT_ID_PATTERN);

/** True for a string that can name an agent. */
export function isAgentId(value: string): boolean {
  return value.length <= AGENT_ID_MAX_LENGTH && agentIdRegex.test(value);
}
