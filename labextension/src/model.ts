/** The workspace view the server extension sends (openapi.yaml `Workspace`) and the logic of a
 * sidebar row: pure functions, tested with jest. */

export interface IWorkspace {
  id: string;
  name: string;
  project: string | null;
  projectId: string;
  clusterId: string;
  phase: string;
  phaseMessage?: string | null;
  transitional: boolean;
  gpu: { requested?: number | null; allocated?: number | null };
  image?: string | null;
  /** CPU cores and memory requested. */
  cpu?: number | null;
  memory?: string | null;
  /** Its environment variables with plain values. */
  env?: { [key: string]: string };
  createdAt?: string | null;
  createdBy?: string | null;
  owner?: string | null;
  urls: string[];
  /** Its tools as Run:ai names them; null where Run:ai does not say. */
  tools?: ITool[];
  actions: { suspend: boolean; resume: boolean; delete: boolean };
}

export interface ITool {
  name: string | null;
  type: string | null;
  port: number | null;
  url: string | null;
}

export interface IStatus {
  version: string;
  mode: string;
  configured: boolean;
  simulated: boolean;
  reachable: boolean | null;
  credentials_accepted: boolean | null;
  user: string;
  default_project?: string | null;
  /** GPUs a new workspace asks for unless told otherwise (c.RunaiApp.default_gpu). */
  default_gpu?: number | null;
  message: string | null;
}

/** An API error as the server sends it (server/errors.py). */
export interface IApiError {
  message: string;
  reason: string;
  upstream_status: number | null;
  issues?: { field: string; details: string }[];
}

export type PhaseKind = 'running' | 'busy' | 'stopped' | 'failed' | 'other';

const FAILED = new Set(['Failed', 'Degraded']);
const STOPPED = new Set(['Stopped', 'Completed']);

/** The colour family of a phase chip. */
export function phaseKind(ws: Pick<IWorkspace, 'phase' | 'transitional'>): PhaseKind {
  if (ws.phase === 'Running') {
    return 'running';
  }
  if (FAILED.has(ws.phase)) {
    return 'failed';
  }
  if (STOPPED.has(ws.phase)) {
    return 'stopped';
  }
  return ws.transitional || ws.phase === 'Pending' ? 'busy' : 'other';
}

/** A spinner only while the phase is on its way to another. */
export function showsSpinner(ws: Pick<IWorkspace, 'transitional'>): boolean {
  return ws.transitional;
}

/** "45s", "12m", "3h 5m", "2d 4h": how `runai workspace list` shows an age. */
export function ageText(createdAt: string | null | undefined, now: number): string {
  if (!createdAt) {
    return '';
  }
  const start = Date.parse(createdAt);
  if (Number.isNaN(start)) {
    return '';
  }
  const s = Math.max(0, Math.floor((now - start) / 1000));
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m`;
  }
  const h = Math.floor(m / 60);
  if (h < 24) {
    return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  }
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "1", "0.5", "0/1" (allocated of requested while not all are allocated), or "". */
export function gpuText(gpu: IWorkspace['gpu']): string {
  const req = gpu.requested;
  const alloc = gpu.allocated;
  if (req === null || req === undefined) {
    return alloc ? `${alloc}` : '';
  }
  if (alloc === null || alloc === undefined || alloc === req) {
    return `${req}`;
  }
  return `${alloc}/${req}`;
}

export interface IToolLink {
  label: string;
  url: string;
}

/** Tool links, only while Running, each labelled by its tool ("jupyter:8888", as the notebook
 * panel labels them); from the bare URLs where the server names no tools. */
export function toolLinks(ws: Pick<IWorkspace, 'phase' | 'urls' | 'tools'>): IToolLink[] {
  if (ws.phase !== 'Running') {
    return [];
  }
  const named = (ws.tools ?? []).filter(t => t.url && isHttpUrl(t.url));
  if (named.length) {
    return named.map(t => ({ label: toolName(t), url: t.url as string }));
  }
  return ws.urls.filter(isHttpUrl).map(url => ({ label: toolLabel(url), url }));
}

/** "jupyter:8888": the tool's name (or type) and port, as far as they are known (the notebook
 * panel's kernel/look.py tool_label says the same). */
export function toolName(tool: ITool): string {
  const name = tool.name || tool.type;
  if (name && tool.port !== null && tool.port !== undefined) {
    return `${name}:${tool.port}`;
  }
  if (tool.port !== null && tool.port !== undefined) {
    return `port ${tool.port}`;
  }
  return name || toolLabel(tool.url ?? '');
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** "port 8888" when the URL ends in the container port (Run:ai's default paths), else the host. */
export function toolLabel(url: string): string {
  const match = /^https?:\/\/([^/?#]+)([^?#]*)/i.exec(url);
  if (!match) {
    return url;
  }
  const segments = match[2].split('/').filter(Boolean);
  const last = segments[segments.length - 1] ?? '';
  if (/^\d{1,5}$/.test(last)) {
    return `port ${last}`;
  }
  return match[1];
}

/** Why a Pending workspace waits (Run:ai's phase message), or null. */
export function pendingReason(ws: Pick<IWorkspace, 'phase' | 'phaseMessage'>): string | null {
  if (ws.phase !== 'Pending') {
    return null;
  }
  return ws.phaseMessage || 'waiting to be scheduled';
}

/** What a row says under a workspace: why it waits, or why it failed (Run:ai's phase message). */
export function phaseNote(
  ws: Pick<IWorkspace, 'phase' | 'phaseMessage'>
): { text: string; level: 'info' | 'error' } | null {
  if (ws.phase === 'Failed') {
    return { text: ws.phaseMessage || 'Run:ai gave no reason', level: 'error' };
  }
  const reason = pendingReason(ws);
  return reason ? { text: reason, level: 'info' } : null;
}

export type Action = 'suspend' | 'resume' | 'delete';

/** Whether the server says the phase allows an action (openapi `actions`). */
export function allows(ws: Pick<IWorkspace, 'actions'>, action: Action): boolean {
  return Boolean(ws.actions && ws.actions[action]);
}

/** What a Delete loses, for the dialog that asks first. */
export function deleteWarning(ws: IWorkspace): string {
  const where = ws.project ? ` in project ${ws.project}` : '';
  return (
    `Delete ${ws.name}${where}? Its container and everything stored in it that is not on a ` +
    'persistent volume are lost, its tool links stop working, and it cannot be resumed. ' +
    'Suspend keeps it to resume later.'
  );
}

/** The workspaces, keyed by id, after one stream event. */
export function applyEvent(
  state: Map<string, IWorkspace>,
  event: string,
  data: any
): Map<string, IWorkspace> {
  if (event === 'snapshot') {
    return new Map((data.workspaces as IWorkspace[]).map(w => [w.id, w]));
  }
  const next = new Map(state);
  if (event === 'workspace') {
    const ws = data.workspace as IWorkspace;
    next.set(ws.id, ws);
  } else if (event === 'deleted') {
    next.delete(data.id as string);
  }
  return next;
}

/** Rows in display order: newest first, then by name. */
export function sorted(workspaces: Iterable<IWorkspace>): IWorkspace[] {
  return [...workspaces].sort((a, b) => {
    const ta = a.createdAt ? Date.parse(a.createdAt) : 0;
    const tb = b.createdAt ? Date.parse(b.createdAt) : 0;
    return tb - ta || a.name.localeCompare(b.name);
  });
}

/** What to notify about when a workspace changes: its phase now, if it is news. */
export type Notice =
  | { kind: 'running'; ws: IWorkspace; links: IToolLink[] }
  | { kind: 'failed'; ws: IWorkspace }
  | { kind: 'stopped'; ws: IWorkspace }
  | { kind: 'pending'; ws: IWorkspace; reason: string; seconds: number };

/** Notices for a change from `before` (undefined: new) to `after`. */
export function noticeFor(before: IWorkspace | undefined, after: IWorkspace): Notice | null {
  if (before && before.phase === after.phase) {
    return null;
  }
  if (after.phase === 'Running') {
    return { kind: 'running', ws: after, links: toolLinks(after) };
  }
  if (after.phase === 'Failed') {
    return { kind: 'failed', ws: after };
  }
  if (after.phase === 'Stopped' && before) {
    return { kind: 'stopped', ws: after };
  }
  return null;
}

/** Tracks how long workspaces have been Pending, and says once per wait when one passes the
 * threshold. */
export class PendingWatch {
  private _since = new Map<string, number>();
  private _told = new Set<string>();

  update(workspaces: Iterable<IWorkspace>, now: number): void {
    const pending = new Set<string>();
    for (const ws of workspaces) {
      if (ws.phase === 'Pending') {
        pending.add(ws.id);
        if (!this._since.has(ws.id)) {
          this._since.set(ws.id, now);
        }
      }
    }
    for (const id of [...this._since.keys()]) {
      if (!pending.has(id)) {
        this._since.delete(id);
        this._told.delete(id);
      }
    }
  }

  /** Workspaces pending longer than `thresholdS`, not yet told. */
  due(workspaces: Map<string, IWorkspace>, now: number, thresholdS: number): Notice[] {
    const out: Notice[] = [];
    for (const [id, since] of this._since) {
      const ws = workspaces.get(id);
      const seconds = (now - since) / 1000;
      if (ws && !this._told.has(id) && seconds >= thresholdS) {
        this._told.add(id);
        out.push({ kind: 'pending', ws, reason: pendingReason(ws) ?? '', seconds });
      }
    }
    return out;
  }
}
