import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('parses named events, skips comments and reads retry', () => {
    const parser = new SseParser();
    const events = parser.push(
      'retry: 3000\n: connected\n\nevent: sync:status-changed\ndata: {"a":1}\n\n: heartbeat\n\n',
    );
    expect(events).toEqual([{ event: 'sync:status-changed', data: '{"a":1}' }]);
    expect(parser.retryMs).toBe(3000);
  });

  it('joins events split across chunks at any point, CRLF included', () => {
    const text = 'event: x\r\ndata: one\r\ndata: two\r\n\r\nevent: y\ndata: 3\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { event: 'x', data: 'one\ntwo' },
        { event: 'y', data: '3' },
      ]);
    }
  });

  it('defaults the event name and ignores an event without data', () => {
    const parser = new SseParser();
    expect(parser.push('event: empty\n\ndata:plain\n\n')).toEqual([
      { event: 'message', data: 'plain' },
    ]);
  });
});
