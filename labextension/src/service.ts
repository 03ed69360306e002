/**
 * The one connection of a browser tab to the server extension: the `runai/api/events` stream
 * (read once, shared by the sidebar, the notifications and the dialog), the startup status check
 * and the actions. The stream reconnects with backoff and says so; nothing polls.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { ApiError, IBackend, StreamState } from './backend';
import { ICreateBody } from './copyas';
import { Action, IApiError, IStatus, IWorkspace, applyEvent } from './model';
import { SseParser } from './sse';
import { plain } from './words';

export { ApiError, StreamState } from './backend';

/** A request below `runai/api/`: ServerConnection.makeRequest in Lab, anything in tests. */
export type Requester = (path: string, init: RequestInit) => Promise<Response>;

export interface IChange {
  before: IWorkspace | undefined;
  after: IWorkspace | undefined;
}

/** Reconnect delays: 1 s, 2 s, 4 s, then every 5 s (the list is live again within seconds of
 * the server coming back); a snapshot resets them. */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 5000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Read an error answer in the user's words (the server's JSON message). */
export async function errorOf(response: Response): Promise<ApiError> {
  let body: IApiError | null = null;
  try {
    body = (await response.json()) as IApiError;
  } catch {
    body = null;
  }
  if (!body || typeof body.message !== 'string') {
    body = {
      message:
        response.status === 404
          ? 'The jupyter-runai server extension did not answer (404): it is not installed or not enabled on this Jupyter server.'
          : `The Jupyter server answered ${response.status} ${response.statusText}.`,
      reason: response.status === 404 ? 'not_found' : 'http',
      upstream_status: null
    };
  }
  return new ApiError(response.status, body);
}

export class WorkspaceService implements IBackend {
  constructor(
    private readonly _request: Requester,
    private readonly _options: { baseDelayMs?: number; maxDelayMs?: number } = {}
  ) {}

  get workspaces(): Map<string, IWorkspace> {
    return this._workspaces;
  }

  get state(): StreamState {
    return this._state;
  }

  /** Whether a snapshot has arrived since the stream (re)started. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** The whole list changed (a snapshot, a change, a deletion). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** One workspace added, changed or gone (not sent for snapshots). */
  get workspaceChanged(): ISignal<this, IChange> {
    return this._workspaceChanged;
  }

  get stateChanged(): ISignal<this, StreamState> {
    return this._stateChanged;
  }

  subscribe(listener: () => void): () => void {
    const call = () => listener();
    this._changed.connect(call);
    this._stateChanged.connect(call);
    return () => {
      this._changed.disconnect(call);
      this._stateChanged.disconnect(call);
    };
  }

  /** Start the stream (once; later calls do nothing while it runs). */
  start(): void {
    if (this._running) {
      return;
    }
    this._running = true;
    void this._loop();
  }

  /** Stop the stream for good. */
  dispose(): void {
    this._running = false;
    this._abort?.abort();
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._wake?.();
  }

  /** Reconnect at once (the Refresh command), without waiting for the backoff; the stream it
   * ends on purpose is no error to show. */
  reconnect(): void {
    this._attempt = 0;
    this._restart = this._running;
    this._abort?.abort();
    this._wake?.();
    this.start();
  }

  async status(): Promise<IStatus> {
    return this._json<IStatus>('status', { method: 'GET' });
  }

  async projects(): Promise<string[]> {
    const body = await this._json<{ projects: { name: string }[] }>('projects', { method: 'GET' });
    return body.projects.map(p => p.name);
  }

  async create(body: ICreateBody): Promise<IWorkspace> {
    const ws = await this._json<IWorkspace>('workspaces', {
      method: 'POST',
      body: JSON.stringify(body)
    });
    this._upsert(ws);
    return ws;
  }

  async act(id: string, action: Action): Promise<void> {
    const path = `workspaces/${encodeURIComponent(id)}`;
    const answer = await this._json<{ workspace: IWorkspace | null }>(
      action === 'delete' ? path : `${path}/${action}`,
      { method: action === 'delete' ? 'DELETE' : 'POST' }
    );
    if (answer.workspace) {
      this._upsert(answer.workspace);
    }
  }

  private async _json<T>(path: string, init: RequestInit): Promise<T> {
    const response = await this._request(path, init);
    if (!response.ok) {
      throw await errorOf(response);
    }
    return (await response.json()) as T;
  }

  /** An answer to our own action is news too (the stream says the same a moment later). */
  private _upsert(ws: IWorkspace): void {
    const before = this._workspaces.get(ws.id);
    this._workspaces = applyEvent(this._workspaces, 'workspace', { workspace: ws });
    this._workspaceChanged.emit({ before, after: ws });
    this._changed.emit();
  }

  private _setState(state: StreamState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }

  private async _loop(): Promise<void> {
    while (this._running) {
      let reason: string;
      try {
        reason = await this._readOnce();
      } catch (e) {
        // in the user's words: no AbortError or TypeError from fetch
        reason =
          e instanceof ApiError
            ? plain(e.message, 'the server answered with an error')
            : 'the Jupyter server did not answer';
      }
      if (!this._running) {
        break;
      }
      if (this._restart) {
        this._restart = false; // a Refresh: read again at once, saying only that
        this._setState({ kind: 'connecting' });
        continue;
      }
      this._attempt += 1;
      const delayMs = backoffMs(
        this._attempt,
        this._options.baseDelayMs,
        this._options.maxDelayMs
      );
      this._setState({ kind: 'reconnecting', attempt: this._attempt, delayMs, reason });
      await new Promise<void>(resolve => {
        this._wake = resolve;
        this._timer = setTimeout(resolve, delayMs);
      });
      if (this._timer !== null) {
        clearTimeout(this._timer);
        this._timer = null;
      }
      this._wake = null;
    }
  }

  /** Read the stream until it ends; returns why it ended. */
  private async _readOnce(): Promise<string> {
    this._abort = new AbortController();
    if (this._state.kind !== 'reconnecting') {
      this._setState({ kind: 'connecting' });
    }
    const response = await this._request('events', {
      method: 'GET',
      headers: { Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: this._abort.signal
    });
    if (!response.ok) {
      throw await errorOf(response);
    }
    if (!response.body) {
      return 'the browser cannot read an event stream';
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          return 'the server closed the event stream';
        }
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          this._handle(event.event, event.data);
        }
      }
    } catch {
      return this._running ? 'the event stream broke' : 'stopped';
    } finally {
      reader.releaseLock();
    }
  }

  private _handle(name: string, text: string): void {
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      return;
    }
    if (name === 'snapshot') {
      this._attempt = 0;
      this._loaded = true;
      this._workspaces = applyEvent(this._workspaces, name, data);
      this._setState(data.error ? { kind: 'upstream-error', error: data.error } : { kind: 'live' });
      this._changed.emit();
    } else if (name === 'workspace' || name === 'deleted') {
      const id = name === 'workspace' ? data.workspace.id : data.id;
      const before = this._workspaces.get(id);
      this._workspaces = applyEvent(this._workspaces, name, data);
      const after = this._workspaces.get(id);
      if (this._state.kind !== 'live') {
        this._setState({ kind: 'live' });
      }
      this._workspaceChanged.emit({ before, after });
      this._changed.emit();
    } else if (name === 'error') {
      this._setState({ kind: 'upstream-error', error: data as IApiError });
    }
  }

  private _workspaces = new Map<string, IWorkspace>();
  private _state: StreamState = { kind: 'connecting' };
  private _loaded = false;
  private _running = false;
  private _restart = false;
  private _attempt = 0;
  private _abort: AbortController | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _wake: (() => void) | null = null;
  private _changed = new Signal<this, void>(this);
  private _workspaceChanged = new Signal<this, IChange>(this);
  private _stateChanged = new Signal<this, StreamState>(this);
}
