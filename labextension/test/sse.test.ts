import { SseParser } from '../src/sse';

describe('SseParser', () => {
  it('parses named events split across chunks, skipping comments', () => {
    const p = new SseParser();
    expect(p.push(': connected\n\nevent: snap')).toEqual([]);
    expect(p.push('shot\ndata: {"a":')).toEqual([]);
    expect(p.push('1}\n\n: keepalive\n\nevent: deleted\r\ndata: {"id":"x"}\r\n\r\n')).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'deleted', data: '{"id":"x"}' }
    ]);
  });

  it('joins multi-line data and defaults the name to message', () => {
    const p = new SseParser();
    expect(p.push('data: one\ndata:two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });
});
