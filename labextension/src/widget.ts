/**
 * The notebook panel (`runai.panel()`, `%runai panel`): an anywidget whose front end is the
 * sidebar's own components (components/), so both show one UI. The kernel holds the model
 * (jupyter_runai/kernel/panel.py): the workspaces, how the live list is doing and the status
 * check come as synced traits; actions go to the kernel as messages, which it carries out through
 * the Python API (the server extension, or Run:ai directly where there is no extension) and
 * answers. Built into an ES module shipped in the wheel (package.json `build:widget`).
 */
import type { AnyModel, RenderProps } from '@anywidget/types';
import { ApiError, IBackend, StreamState } from './backend';
import { CreateForm } from './components/form';
import { WorkspaceList } from './components/list';
import { el } from './components/dom';
import { ICreateBody } from './copyas';
import { Action, IApiError, IStatus, IWorkspace } from './model';
import { statusProblem } from './status';

/** The traits the kernel syncs (panel.py). */
export interface IPanelModel {
  workspaces: IWorkspace[];
  state: StreamState;
  loaded: boolean;
  status: IStatus | null;
  status_error: { status: number; message: string } | null;
  projects: string[];
  default_project: string;
  default_gpu: number;
  /** The kernel's jupyter-runai, whose file this front end is: checked against the server's. */
  version: string;
}

type Reply = { reply: number; ok: boolean; workspace?: IWorkspace | null; error?: IApiError };

/** The kernel's model as the components' backend: its traits, and requests answered by it. */
export class ModelBackend implements IBackend {
  constructor(private readonly _model: AnyModel<IPanelModel>) {
    this._read();
    for (const name of ['workspaces', 'state', 'loaded'] as const) {
      _model.on(`change:${name}`, this._changed);
    }
    _model.on('msg:custom', this._answered);
  }

  get workspaces(): Map<string, IWorkspace> {
    return this._workspaces;
  }

  get state(): StreamState {
    return this._model.get('state') ?? { kind: 'connecting' };
  }

  get loaded(): boolean {
    return Boolean(this._model.get('loaded'));
  }

  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  async create(body: ICreateBody): Promise<IWorkspace> {
    const reply = await this.request({ op: 'create', body });
    return reply.workspace as IWorkspace;
  }

  async act(id: string, action: Action): Promise<void> {
    await this.request({ op: 'act', id, action });
  }

  /** Ask the kernel to check the server again and reconnect. */
  refresh(): void {
    this._model.send({ op: 'refresh' });
  }

  /** One request to the kernel, answered by a message with its number. */
  request(content: { op: string; [key: string]: unknown }): Promise<Reply> {
    this._last += 1;
    const number = this._last;
    return new Promise((resolve, reject) => {
      this._pending.set(number, reply => {
        if (reply.ok) {
          resolve(reply);
        } else {
          reject(new ApiError(0, reply.error ?? { message: 'failed', reason: 'http', upstream_status: null }));
        }
      });
      this._model.send({ ...content, request: number });
    });
  }

  dispose(): void {
    for (const name of ['workspaces', 'state', 'loaded'] as const) {
      this._model.off(`change:${name}`, this._changed);
    }
    this._model.off('msg:custom', this._answered);
    this._listeners.clear();
  }

  private _read(): void {
    this._workspaces = new Map((this._model.get('workspaces') ?? []).map(w => [w.id, w]));
  }

  private _changed = () => {
    this._read();
    for (const listener of this._listeners) {
      listener();
    }
  };

  private _answered = (message: Reply) => {
    const settle = this._pending.get(message?.reply);
    if (settle) {
      this._pending.delete(message.reply);
      settle(message);
    }
  };

  private _workspaces = new Map<string, IWorkspace>();
  private _listeners = new Set<() => void>();
  private _pending = new Map<number, (reply: Reply) => void>();
  private _last = 0;
}

/** Copy to the clipboard where the page may (a secure context), and say what happened. */
async function toClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function render({ model, el: host }: RenderProps<IPanelModel>): () => void {
  const backend = new ModelBackend(model);
  const copy = (text: string, what: string) => {
    void toClipboard(text).then(done =>
      list.say(done ? `Copied ${what} to the clipboard.` : `The browser did not allow copying ${what}.`)
    );
  };
  const list = new WorkspaceList(backend, { copy, refresh: () => backend.refresh() });
  const form = new CreateForm(
    { create: body => backend.create(body), copy },
    {
      projects: model.get('projects') ?? [],
      defaultProject: model.get('default_project') ?? '',
      defaultGpu: model.get('default_gpu') ?? 1,
      ownButton: true
    }
  );
  const fold = el('details', 'jp-RunaiPanel-new');
  fold.open = true;
  fold.append(el('summary', '', 'New workspace'), form.node);
  list.slot.append(fold);
  const root = el('div', 'jp-RunaiPanel jp-RunaiSidebar');
  root.append(list.node);
  host.append(root);

  const showStatus = () => {
    const status = model.get('status');
    const problem = statusProblem(status, model.get('status_error'), model.get('version'));
    list.setStatus(problem, Boolean(status?.simulated));
  };
  const showProjects = () =>
    form.setProjects(model.get('projects') ?? [], model.get('default_project') ?? '');
  showStatus();
  model.on('change:status', showStatus);
  model.on('change:status_error', showStatus);
  model.on('change:projects', showProjects);
  model.on('change:default_project', showProjects);
  return () => {
    model.off('change:status', showStatus);
    model.off('change:status_error', showStatus);
    model.off('change:projects', showProjects);
    model.off('change:default_project', showProjects);
    list.dispose();
    backend.dispose();
  };
}

export default { render };
