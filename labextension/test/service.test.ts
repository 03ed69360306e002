import { ApiError, StreamState, WorkspaceService, backoffMs } from '../src/service';

/** A fake server side of the stream: each request gets a body the test writes to. The
 * transport is the one thing faked here (a broken connection cannot be made otherwise). */
class FakeServer {
  streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  requests: { path: string; init: RequestInit }[] = [];
  answers: { [path: string]: () => Response } = {};
  private _waiters: (() => void)[] = [];

  request = async (path: string, init: RequestInit): Promise<Response> => {
    this.requests.push({ path, init });
    if (path !== 'events') {
      return this.answers[path]();
    }
    const stream = new ReadableStream<Uint8Array>({
      start: controller => {
        this.streams.push(controller);
        this._waiters.splice(0).forEach(w => w());
      }
    });
    return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };

  async connected(count: number): Promise<ReadableStreamDefaultController<Uint8Array>> {
    while (this.streams.length < count) {
      await new Promise<void>(resolve => this._waiters.push(resolve));
    }
    return this.streams[count - 1];
  }
}

function send(stream: ReadableStreamDefaultController<Uint8Array>, event: string, data: object) {
  stream.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
}

function until(service: WorkspaceService, kind: StreamState['kind']): Promise<StreamState> {
  return new Promise(resolve => {
    if (service.state.kind === kind) {
      resolve(service.state);
      return;
    }
    const on = (_: unknown, state: StreamState) => {
      if (state.kind === kind) {
        service.stateChanged.disconnect(on);
        resolve(state);
      }
    };
    service.stateChanged.connect(on);
  });
}

const ws = (id: string, phase: string) => ({
  id,
  name: id,
  project: 'team-a',
  projectId: '1',
  clusterId: 'c',
  phase,
  transitional: false,
  gpu: {},
  urls: [],
  actions: { suspend: true, resume: false, delete: true }
});

describe('WorkspaceService', () => {
  it('backs off 1, 2, 4, then every 5 s: live again within seconds of a recovery', () => {
    expect([1, 2, 3, 4, 9].map(a => backoffMs(a))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('says a broken connection in plain words, and a Refresh is no error', async () => {
    let calls = 0;
    const service = new WorkspaceService(
      async (path, init) => {
        calls += 1;
        if (calls === 1) {
          throw new TypeError('Failed to fetch');
        }
        return new Promise<Response>((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        );
      },
      { baseDelayMs: 5, maxDelayMs: 5 }
    );
    const states: StreamState[] = [];
    service.stateChanged.connect((_, state) => states.push(state));
    service.start();
    await until(service, 'reconnecting');
    expect(JSON.stringify(states)).not.toMatch(/TypeError|Failed to fetch/);
    expect(states.find(s => s.kind === 'reconnecting')).toMatchObject({
      reason: 'the Jupyter server did not answer'
    });
    while (calls < 2) {
      await new Promise(resolve => setTimeout(resolve, 5)); // its second try is under way
    }
    states.length = 0;
    service.reconnect(); // Refresh: the stream it ends on purpose is no error
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(new Set(states.map(s => s.kind))).toEqual(new Set(['connecting']));
    expect(JSON.stringify(states)).not.toMatch(/AbortError/);
    service.dispose();
  });

  it('keeps one live list from the stream and reconnects when it breaks', async () => {
    const server = new FakeServer();
    const service = new WorkspaceService(server.request, { baseDelayMs: 5 });
    const changes: string[] = [];
    service.workspaceChanged.connect((_, c) => changes.push(`${c.before?.phase}->${c.after?.phase}`));
    service.start();
    service.start(); // one stream, however many ask
    const first = await server.connected(1);
    send(first, 'snapshot', { workspaces: [ws('a', 'Pending')], error: null });
    await until(service, 'live');
    expect([...service.workspaces.keys()]).toEqual(['a']);
    send(first, 'workspace', { workspace: ws('a', 'Running') });
    send(first, 'error', { message: 'Run:ai did not answer', reason: 'timeout', upstream_status: null });
    const upstream = await until(service, 'upstream-error');
    expect(upstream).toMatchObject({ error: { message: 'Run:ai did not answer' } });
    expect(changes).toEqual(['Pending->Running']);

    first.close(); // the server went away
    const reconnecting = await until(service, 'reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1, delayMs: 5 });
    const second = await server.connected(2);
    send(second, 'snapshot', { workspaces: [ws('b', 'Running')], error: null });
    await until(service, 'live');
    expect([...service.workspaces.keys()]).toEqual(['b']);
    expect(server.requests.filter(r => r.path === 'events')).toHaveLength(2);
    service.dispose();
  });

  it('turns error answers into the server message', async () => {
    const server = new FakeServer();
    server.answers['workspaces'] = () =>
      new Response(
        JSON.stringify({
          message: 'name: bad',
          reason: 'invalid',
          upstream_status: null,
          issues: [{ field: 'name', details: 'bad' }]
        }),
        { status: 400 }
      );
    server.answers['status'] = () => new Response('<html>404</html>', { status: 404 });
    const service = new WorkspaceService(server.request);
    await expect(service.create({ name: 'X' } as any)).rejects.toMatchObject({
      status: 400,
      body: { issues: [{ field: 'name', details: 'bad' }] }
    });
    const missing = await service.status().catch(e => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing.message).toMatch(/not installed or not enabled/);
  });
});
