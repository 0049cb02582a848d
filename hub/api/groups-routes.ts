import type { GroupCoordinator, GroupDescription, JoinOptions, MemberAssignment } from '../groups/coordinator.js';
import { fetchRecords } from '../groups/fetch.js';
import type { AppendNotifier } from '../groups/notifier.js';
import { ApiError, badParameter } from './errors.js';
import type { ApiRequest, ApiServer } from './server.js';

export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;
export const MAX_FETCH_MAX_BYTES = 64 * 1024 * 1024;
export const MAX_WAIT_MS = 30_000;

/** Adds the consumer group and fetch endpoints (docs/consumer-groups.md) to the API server. */
export function addGroupRoutes(server: ApiServer, coordinator: GroupCoordinator, notifier: AppendNotifier): void {
  server.route('GET', '/v1/groups', () => ({ body: { groups: coordinator.list().map((name) => ({ group: name, members: coordinator.memberCount(name) })) } }));

  server.route('GET', '/v1/groups/:group', (req) => ({ body: describeJson(coordinator.describe(req.params.group!)) }));

  server.route('POST', '/v1/groups/:group/members', async (req) => {
    const body = objectBody(await req.json());
    const options: JoinOptions = {};
    const memberId = optionalString(body, 'member_id');
    const staticId = optionalString(body, 'static_id');
    const topic = optionalString(body, 'topic');
    const reset = optionalString(body, 'offset_reset');
    const timeout = optionalInteger(body, 'session_timeout_ms');
    if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') throw badParameter(`offset_reset must be "earliest" or "latest", not ${JSON.stringify(reset)}`);
    if (memberId !== undefined) options.memberId = memberId;
    if (staticId !== undefined) options.staticId = staticId;
    if (topic !== undefined) options.topic = topic;
    if (reset !== undefined) options.offsetReset = reset;
    if (timeout !== undefined) options.sessionTimeoutMs = timeout;
    return { body: assignmentJson(coordinator.join(req.params.group!, options)) };
  });

  server.route('POST', '/v1/groups/:group/members/:member/heartbeat', async (req) => {
    const body = objectBody(await req.json());
    const owned = body.owned ?? [];
    if (!Array.isArray(owned) || !owned.every((p) => Number.isInteger(p) && (p as number) >= 0)) throw badParameter('owned must be an array of partition numbers (the partitions the member still holds)');
    return { body: assignmentJson(coordinator.heartbeat(req.params.group!, req.params.member!, owned as number[])) };
  });

  server.route('DELETE', '/v1/groups/:group/members/:member', (req) => {
    coordinator.leave(req.params.group!, req.params.member!);
    return {};
  });

  server.route('POST', '/v1/groups/:group/commit', async (req) => {
    const body = objectBody(await req.json());
    const memberId = optionalString(body, 'member_id');
    if (memberId === undefined) throw badParameter('member_id is required');
    const partition = requiredInteger(body, 'partition');
    const lease = requiredInteger(body, 'lease');
    const offset = requiredInteger(body, 'offset');
    coordinator.commit(req.params.group!, memberId, partition, lease, offset);
    return { body: { group: req.params.group, partition, offset } };
  });

  server.route('GET', '/v1/topics', () => ({ body: { topics: [{ name: 'records', partitions: coordinator.topicStore('records').partitions }] } }));

  server.route('GET', '/v1/topics/:topic/partitions/:partition/records', (req) => fetchRoute(req, coordinator, notifier));
}

async function fetchRoute(req: ApiRequest, coordinator: GroupCoordinator, notifier: AppendNotifier) {
  const store = coordinator.topicStore(req.params.topic!);
  const partition = integerText(req.params.partition!, 'partition');
  if (partition >= store.partitions) throw new ApiError(404, 'ERR_GROUP_UNKNOWN_PARTITION', `topic ${req.params.topic} has partitions 0 to ${store.partitions - 1}, not ${partition}`);
  const offset = queryInteger(req, 'offset', undefined, 0, Number.MAX_SAFE_INTEGER);
  const maxBytes = queryInteger(req, 'max_bytes', DEFAULT_FETCH_MAX_BYTES, 1, MAX_FETCH_MAX_BYTES);
  const waitMs = queryInteger(req, 'wait_ms', 0, 0, MAX_WAIT_MS);
  const group = req.query.get('group') ?? undefined;
  const member = req.query.get('member') ?? undefined;
  const leaseText = req.query.get('lease');
  if (leaseText !== null) {
    // A member fetching under its lease learns at once that it lost the partition (or the hub restarted), before it processes anything.
    if (group === undefined || member === undefined) throw badParameter('lease needs group and member');
    coordinator.validateLease(group, member, partition, integerText(leaseText, 'lease'));
  }
  let result = fetchRecords(store, partition, offset, maxBytes);
  // A member's long poll also ends when a rebalance has news for it (give up a partition, take a free one), so it heartbeats at once;
  // news that came between two of its fetches is told at the start of the next one.
  const groupChanged = new AbortController();
  if (group !== undefined && member !== undefined && coordinator.shouldHeartbeat(group, member)) groupChanged.abort();
  if (result.records.length === 0 && result.lost === undefined && result.corrupt.length === 0 && waitMs > 0 && !groupChanged.signal.aborted) {
    const onChanged = (changed: string) => {
      if (changed === group && member !== undefined && coordinator.shouldHeartbeat(changed, member)) groupChanged.abort();
    };
    coordinator.on('changed', onChanged);
    try {
      if (await notifier.waitForData(store, partition, result.nextOffset, waitMs, AbortSignal.any([req.signal, groupChanged.signal]))) result = fetchRecords(store, partition, offset, maxBytes);
    } finally {
      coordinator.off('changed', onChanged);
    }
  }
  if (result.lost && group !== undefined) coordinator.countLost(group, result.lost.to - result.lost.from);
  const body: Record<string, unknown> = {
    topic: req.params.topic,
    partition,
    records: result.records,
    next_offset: result.nextOffset,
    log_start: result.logStart,
    log_end: result.logEnd,
  };
  if (groupChanged.signal.aborted) body.heartbeat_now = true;
  if (result.lost) body.lost = result.lost;
  if (result.corrupt.length > 0) body.corrupt = result.corrupt;
  return { body };
}

function assignmentJson(a: MemberAssignment) {
  return {
    member_id: a.memberId,
    epoch: a.epoch,
    heartbeat_interval_ms: a.heartbeatIntervalMs,
    assignment: a.assignment.map((g) => ({ topic: g.topic, partition: g.partition, lease: g.lease, offset: g.offset })),
    revoke: a.revoke,
    pending: a.pending,
  };
}

function describeJson(d: GroupDescription) {
  return {
    group: d.group,
    topic: d.topic,
    offset_reset: d.offsetReset,
    epoch: d.epoch,
    generation: d.generation,
    rebalances: d.rebalances,
    members: d.members.map((m) => ({ member_id: m.memberId, static_id: m.staticId, session_timeout_ms: m.sessionTimeoutMs, last_heartbeat_at: new Date(m.lastHeartbeatAt).toISOString(), owned: m.owned, assigned: m.assigned })),
    partitions: d.partitions.map((p) => ({
      partition: p.partition,
      owner: p.owner,
      lease: p.lease,
      assigned_to: p.assignedTo,
      committed_offset: p.committedOffset,
      committed_at: p.committedAt === undefined ? undefined : new Date(p.committedAt).toISOString(),
      log_start: p.logStart,
      log_end: p.logEnd,
      lag_records: p.lagRecords,
      lag_ms: p.lagMs,
    })),
  };
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'ERR_API_BAD_JSON', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badParameter(`${name} must be a string`);
  return value;
}

function optionalInteger(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value)) throw badParameter(`${name} must be an integer, not ${JSON.stringify(value)}`);
  return value as number;
}

function requiredInteger(body: Record<string, unknown>, name: string): number {
  const value = optionalInteger(body, name);
  if (value === undefined) throw badParameter(`${name} is required (an integer)`);
  if (value < 0) throw badParameter(`${name} must not be negative`);
  return value;
}

function integerText(text: string, name: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw badParameter(`${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return Number(text);
}

function queryInteger(req: ApiRequest, name: string, fallback: number | undefined, min: number, max: number): number {
  const text = req.query.get(name);
  if (text === null || text === '') {
    if (fallback === undefined) throw badParameter(`query parameter ${name} is required`);
    return fallback;
  }
  const value = integerText(text, name);
  if (value < min || value > max) throw badParameter(`${name} must be from ${min} to ${max}, not ${value}`);
  return value;
}
