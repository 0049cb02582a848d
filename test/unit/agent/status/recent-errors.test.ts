import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RecentErrors, recordingLogger } from '../../../../agent/status/recent-errors.js';

describe('recent errors', () => {
  it('keeps the last 10, most recent first, and counts them all', () => {
    const errors = new RecentErrors();
    for (let i = 0; i < 13; i++) errors.add('gps', `error ${i}`, i);
    expect(errors.total).toBe(13);
    expect(errors.list().map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `error ${12 - i}`));
  });

  it('records warnings and errors a component logs, with its id, whatever the log level; the lines still reach the log', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); cb(); } });
    const errors = new RecentErrors();
    const logger = recordingLogger(pino({ level: 'error' }, sink), errors);
    logger.child({ source: 'gps' }).warn({ path: '/dev/ttyUSB0' }, 'serial source: /dev/ttyUSB0 closed; reopening');
    logger.child({ component: 'forward' }).child({ extra: 1 }).error({ err: new Error('ECONNREFUSED') }, 'hub connection lost');
    logger.error({ source: 'climate', err: new Error('boom') }, 'source failed to start: boom');
    logger.info('agent started');
    logger.child({ processor: 'scale' }).debug('not an error');
    expect(errors.list().map(({ component, message }) => ({ component, message }))).toEqual([
      { component: 'climate', message: 'source failed to start: boom' },
      { component: 'forward', message: 'hub connection lost: ECONNREFUSED' },
      { component: 'gps', message: 'serial source: /dev/ttyUSB0 closed; reopening' },
    ]);
    expect(lines.map((l) => l.msg)).toEqual(['hub connection lost', 'source failed to start: boom']);
    expect(lines[0]!.component).toBe('forward');
  });
});
