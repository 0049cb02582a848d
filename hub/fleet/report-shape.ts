import { parseStatusMessage, type StatusMessage } from '../../core/status.js';

/**
 * Parses a status payload and checks what the hub reads of a full report beyond the header that
 * `parseStatusMessage` checks, so one malformed report cannot break the fleet views. Throws an Error
 * saying what is wrong.
 */
export function parseAgentStatus(payload: Buffer | string): StatusMessage {
  const message = parseStatusMessage(payload);
  if (!message.online) return message;
  const fail = (what: string) => {
    throw new Error(`expected ${what} in an online report`);
  };
  if (!isObject(message.flow) || typeof message.flow.name !== 'string' || typeof message.flow.version !== 'string') fail('flow: { name, version }');
  if (typeof message.agentVersion !== 'string') fail('agentVersion: string');
  if (typeof message.startedAt !== 'number') fail('startedAt: number');
  if (!isObject(message.forward) || typeof message.forward.state !== 'string' || !isNumber(message.forward.lagRecords) || !isNumber(message.forward.lagSeconds)) fail('forward: { state, lagRecords, lagSeconds }');
  for (const field of ['in', 'buffered', 'forwarded', 'deadLetters', 'errors'] as const) if (!isNumber(message.totals[field])) fail(`totals.${field}: number`);
  if (!Array.isArray(message.buffer.partitions) || !message.buffer.partitions.every((p) => isObject(p) && isNumber(p.records) && isNumber(p.bytes))) fail('buffer.partitions: [{ records, bytes, ... }]');
  if (!isObject(message.drops) || !Object.values(message.drops).every(isNumber)) fail('drops: { reason: number }');
  if (!Array.isArray(message.errors)) fail('errors: []');
  if (message.flowYaml !== undefined && typeof message.flowYaml !== 'string') fail('flowYaml: string');
  return message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
