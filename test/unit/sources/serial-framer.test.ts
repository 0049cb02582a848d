import { describe, expect, it } from 'vitest';
import { DelimiterFramer, FixedLengthFramer, type FrameEvent, type Framer } from '../../../agent/sources/serial/framer.js';

function feed(framer: Framer, chunks: (string | Buffer)[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const event of framer.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'latin1'))) out.push(show(event));
  }
  return out;
}

function show(event: FrameEvent): string {
  return event.kind === 'frame' ? event.bytes.toString('latin1') : `TOO_LONG(${event.bytes.toString('latin1')})`;
}

describe('DelimiterFramer', () => {
  const stream = '$GPGGA,1*00\r\n$GPRMC,2*11\r\n\r\nlast\r\n';
  const expected = ['$GPGGA,1*00', '$GPRMC,2*11', '', 'last'];

  it('finds the same frames however the stream is cut into two or three chunks', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const framer = new DelimiterFramer(Buffer.from('\r\n'), 100);
        expect(feed(framer, [stream.slice(0, i), stream.slice(i, j), stream.slice(j)]), `cut at ${i}/${j}`).toEqual(expected);
      }
    }
  });

  it('handles byte-by-byte delivery', () => {
    const framer = new DelimiterFramer(Buffer.from('\r\n'), 100);
    expect(feed(framer, [...stream])).toEqual(expected);
  });

  it('does not split on a CR alone or an LF alone', () => {
    const framer = new DelimiterFramer(Buffer.from('\r\n'), 100);
    expect(feed(framer, ['a\rb\nc\r\n'])).toEqual(['a\rb\nc']);
  });

  it('keeps an unfinished frame until reset, which returns it', () => {
    const framer = new DelimiterFramer(Buffer.from('\n'), 100);
    expect(feed(framer, ['one\ntw'])).toEqual(['one']);
    expect(framer.reset().toString()).toBe('tw');
    expect(feed(framer, ['o\n'])).toEqual(['o']);
  });

  it('reports an over-long frame once and resyncs at the next delimiter', () => {
    const framer = new DelimiterFramer(Buffer.from('\r\n'), 8);
    expect(feed(framer, ['ok\r\n0123456789', 'abcdef', 'ghi\r', '\nafter\r\n'])).toEqual(['ok', 'TOO_LONG(01234567)', 'after']);
  });

  it('reports an over-long frame that arrives whole', () => {
    const framer = new DelimiterFramer(Buffer.from('\n'), 4);
    expect(feed(framer, ['123456\nabcd\n'])).toEqual(['TOO_LONG(1234)', 'abcd']);
  });

  it('accepts a frame of exactly max bytes whose delimiter is split across chunks', () => {
    const framer = new DelimiterFramer(Buffer.from('\r\n'), 4);
    expect(feed(framer, ['abcd\r', '\nx\r\n'])).toEqual(['abcd', 'x']);
  });

  it('resyncs when the delimiter after an over-long frame is split across chunks', () => {
    const framer = new DelimiterFramer(Buffer.from('\r\n'), 3);
    expect(feed(framer, ['toolong\r', '\nok\r\n'])).toEqual(['TOO_LONG(too)', 'ok']);
  });

  it('drops the discarded rest of an over-long frame on reset', () => {
    const framer = new DelimiterFramer(Buffer.from('\n'), 3);
    expect(feed(framer, ['abcdefgh'])).toEqual(['TOO_LONG(abc)']);
    expect(framer.reset().length).toBe(0);
    expect(feed(framer, ['ok\n'])).toEqual(['ok']);
  });

  it('supports multi-byte delimiters of any length', () => {
    const framer = new DelimiterFramer(Buffer.from('<END>'), 100);
    expect(feed(framer, ['a<EN', 'D>b<', 'E', 'ND><E', 'ND>'])).toEqual(['a', 'b', '']);
  });
});

describe('FixedLengthFramer', () => {
  it('cuts fixed-size frames across chunk boundaries', () => {
    const framer = new FixedLengthFramer(4);
    expect(feed(framer, [Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6, 7, 8, 9])]).map((s) => Buffer.from(s, 'latin1').toString('hex'))).toEqual([
      '01020304',
      '05060708',
    ]);
    expect(framer.reset().toString('hex')).toBe('09');
  });
});
