/**
 * What the workspace UI (components/) needs from where the workspaces come from: the list, how
 * the live stream is doing, and the actions. Two backends give it: the sidebar's WorkspaceService
 * (HTTP to the server extension, service.ts) and the notebook panel's kernel model (widget.ts).
 */
import { ICreateBody } from './copyas';
import { Action, IApiError, IWorkspace } from './model';

export type StreamState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'upstream-error'; error: IApiError }
  | { kind: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  | { kind: 'stopped'; reason: string };

/** An error answer of the jupyter-runai API (server/errors.py's shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: IApiError
  ) {
    super(body.message);
  }
}

/** Anything that went wrong, as an API error (a network failure has no JSON of its own). */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) {
    return e;
  }
  return new ApiError(0, { message: String(e), reason: 'http', upstream_status: null });
}

export interface IBackend {
  /** The workspaces by id, as last heard. */
  readonly workspaces: Map<string, IWorkspace>;
  /** How the live list is doing. */
  readonly state: StreamState;
  /** Whether a first list has arrived. */
  readonly loaded: boolean;
  /** Call `listener` after any change of the list or of the state; returns how to stop. */
  subscribe(listener: () => void): () => void;
  create(body: ICreateBody): Promise<IWorkspace>;
  act(id: string, action: Action): Promise<void>;
}

/** Whether the list is live: actions are offered only then (what it shows may be stale). */
export function isLive(state: StreamState): boolean {
  return state.kind === 'live';
}
