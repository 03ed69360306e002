/**
 * @jest-environment jsdom
 *
 * The shared components (components/) in a DOM, as both the sidebar and the notebook panel
 * show them; and the two hosts showing one workspace with the same row markup.
 */
import { ApiError, IBackend, StreamState } from '../src/backend';
import { CreateForm } from '../src/components/form';
import { WorkspaceList } from '../src/components/list';
import { ICreateBody } from '../src/copyas';
import { Action, IWorkspace } from '../src/model';
import widget, { IPanelModel } from '../src/widget';

// Lumino (the sidebar's frame) wants a DragEvent, which jsdom has not
(globalThis as any).DragEvent ??= class extends Event {};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { RunaiSidebar } = require('../src/sidebar') as typeof import('../src/sidebar');

function workspace(name: string, extra: Partial<IWorkspace> = {}): IWorkspace {
  return {
    id: `id-${name}`,
    name,
    project: 'team-a',
    projectId: '4501',
    clusterId: 'c',
    phase: 'Running',
    phaseMessage: null,
    transitional: false,
    gpu: { requested: 1, allocated: 1 },
    image: 'busybox',
    createdAt: '2026-12-05T10:00:00Z',
    urls: [],
    tools: [],
    actions: { suspend: true, resume: false, delete: true },
    ...extra
  };
}

/** A backend held in memory: what the components read, and what they asked of it. */
class Backend implements IBackend {
  workspaces = new Map<string, IWorkspace>();
  state: StreamState = { kind: 'live' };
  loaded = true;
  asked: [string, Action][] = [];
  created: ICreateBody[] = [];
  fail: ApiError | null = null;
  private _listeners = new Set<() => void>();

  constructor(...list: IWorkspace[]) {
    for (const ws of list) {
      this.workspaces.set(ws.id, ws);
    }
  }
  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }
  changed(): void {
    this._listeners.forEach(l => l());
  }
  async act(id: string, action: Action): Promise<void> {
    this.asked.push([id, action]);
    if (this.fail) {
      throw this.fail;
    }
  }
  async create(body: ICreateBody): Promise<IWorkspace> {
    this.created.push(body);
    if (this.fail) {
      throw this.fail;
    }
    return workspace(body.name, { project: body.project });
  }
}

const hooks = { copy: jest.fn(), refresh: jest.fn() };
const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('the workspace list', () => {
  afterEach(() => jest.clearAllMocks());

  it('shows the newest first, with the actions its phase allows and why not', () => {
    const backend = new Backend(
      workspace('old', { createdAt: '2026-12-05T09:00:00Z' }),
      workspace('new', { phase: 'Stopped', actions: { suspend: false, resume: true, delete: true } })
    );
    const list = new WorkspaceList(backend, hooks);
    const rows = [...list.node.querySelectorAll<HTMLElement>('.jp-RunaiRow')];
    expect(rows.map(r => r.dataset.name)).toEqual(['new', 'old']);
    const suspend = rows[0].querySelector<HTMLButtonElement>('[data-action="suspend"]')!;
    expect(suspend.disabled).toBe(true);
    expect(suspend.title).toBe('Suspend new: not while it is Stopped');
    expect(rows[0].querySelector<HTMLButtonElement>('[data-action="resume"]')!.disabled).toBe(false);
    list.dispose();
  });

  it('offers no action while the list is not live, and marks the rows', () => {
    const backend = new Backend(workspace('nb'));
    backend.state = { kind: 'upstream-error', error: { message: 'x', reason: 'unavailable', upstream_status: 503 } };
    const list = new WorkspaceList(backend, hooks);
    expect(list.node.classList.contains('jp-mod-stale')).toBe(true);
    const buttons = [...list.node.querySelectorAll<HTMLButtonElement>('.jp-RunaiRow-actions button')];
    expect(buttons.every(b => b.disabled)).toBe(true);
    expect(list.node.querySelector('.jp-RunaiSidebar-stream')!.textContent).toMatch(
      /^Run:ai is not answering right now/
    );
    list.dispose();
  });

  it('asks on the row before a Delete, and says on the row why an action failed', async () => {
    const backend = new Backend(workspace('nb'));
    const list = new WorkspaceList(backend, hooks);
    const row = () => list.node.querySelector<HTMLElement>('.jp-RunaiRow')!;
    row().querySelector<HTMLButtonElement>('[data-action="delete"]')!.click();
    await flush();
    const ask = row().querySelector('.jp-RunaiRow-confirm')!;
    expect(ask.textContent).toContain('Delete nb in project team-a?');
    [...ask.querySelectorAll('button')].find(b => b.textContent === 'Cancel')!.click();
    await flush();
    expect(backend.asked).toEqual([]);
    backend.fail = new ApiError(503, {
      message: 'POST /api/v1/workloads/workspaces/x/suspend failed with HTTP 503',
      reason: 'unavailable',
      upstream_status: 503
    });
    row().querySelector<HTMLButtonElement>('[data-action="suspend"]')!.click();
    await flush();
    expect(backend.asked).toEqual([['id-nb', 'suspend']]);
    const note = row().querySelector('.jp-RunaiRow-note')!;
    expect(note.textContent).toBe('Suspend failed: Run:ai is not answering right now; try again in a moment.');
    backend.changed(); // Run:ai answers again (the list is live): the outage note is moot
    expect(row().querySelector('.jp-RunaiRow-note')).toBeNull();
    list.dispose();
  });

  it('links a tool while Running; a simulated one says so and opens nothing', () => {
    const tools = [{ name: 'jupyter', type: 'jupyter-notebook', port: 8888, url: 'https://x/8888/' }];
    const list = new WorkspaceList(new Backend(workspace('nb', { tools })), hooks);
    const link = list.node.querySelector<HTMLAnchorElement>('.jp-RunaiRow-tools a')!;
    expect([link.textContent, link.href, link.target]).toEqual(['jupyter:8888', 'https://x/8888/', '_blank']);
    list.setStatus(null, true);
    expect(list.node.querySelector('.jp-RunaiRow-tools a')).toBeNull();
    const shown = list.node.querySelector<HTMLElement>('.jp-RunaiRow-link.jp-mod-simulated')!;
    expect(shown.textContent).toBe('jupyter:8888 (simulated)');
    expect(shown.title).toBe('Simulated: no tool runs at https://x/8888/');
    list.dispose();
  });

  it('copies a workspace under a name its project does not have', () => {
    const backend = new Backend(workspace('nb'), workspace('nb-2'));
    const list = new WorkspaceList(backend, hooks);
    const menu = list.node.querySelector<HTMLSelectElement>('.jp-RunaiRow[data-name="nb"] .jp-RunaiCopy')!;
    menu.value = 'python';
    menu.dispatchEvent(new Event('change'));
    expect(hooks.copy).toHaveBeenCalledWith(
      expect.stringContaining('jupyter_runai.create("nb-3", project="team-a"'),
      'the Python call for nb'
    );
    list.dispose();
  });
});

describe('the create form', () => {
  const options = { projects: ['team-a', 'team-b'], defaultProject: 'team-b', defaultGpu: 1, ownButton: true };
  const type = (input: HTMLInputElement | HTMLTextAreaElement, value: string) => {
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };

  it('shows every error at once beside its field, marked for screen readers', () => {
    const form = new CreateForm({ create: jest.fn(), copy: jest.fn() }, options);
    expect(form.project.value).toBe('team-b');
    expect(form.gpu.value).toBe('1');
    expect(form.createButton.disabled).toBe(true);
    expect(form.createButton.title).toBe('A name is required.');
    type(form.name, 'Bad_Name');
    type(form.gpu, '1.5');
    type(form.memory, 'lots');
    const errors = form.errors();
    expect(Object.keys(errors).sort()).toEqual(['gpu', 'memory', 'name']);
    for (const input of [form.name, form.gpu, form.memory]) {
      expect(input.getAttribute('aria-invalid')).toBe('true');
      const message = form.node.querySelector(`#${input.getAttribute('aria-describedby')}`)!;
      expect(message.textContent).toBe(errors[input.name as 'name']);
      expect(form.node.querySelector(`label[for="${input.id}"]`)).not.toBeNull();
    }
    expect(form.createButton.disabled).toBe(true);
    expect(form.createButton.title).toBe('Fix Name, GPUs, Memory first.');
    type(form.name, 'good');
    type(form.gpu, '0.5');
    type(form.memory, '8G');
    expect(form.name.getAttribute('aria-invalid')).toBe('false');
    expect(form.createButton.disabled).toBe(false);
  });

  it('creates once however many clicks, then waits for a change', async () => {
    const backend = new Backend();
    const form = new CreateForm({ create: b => backend.create(b), copy: jest.fn() }, options);
    type(form.name, 'twice');
    form.createButton.click();
    form.createButton.click();
    form.name.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await flush();
    expect(backend.created.map(b => b.name)).toEqual(['twice']);
    expect(form.message.textContent).toBe('Created twice in team-b.');
    expect(form.createButton.disabled).toBe(true);
    type(form.name, 'thrice'); // an edit: the result line no longer applies
    expect(form.message.textContent).toBe('');
    expect(form.createButton.disabled).toBe(false);
  });

  it("places Run:ai's refusal beside the field it names, in the user's words", async () => {
    const backend = new Backend();
    backend.fail = new ApiError(400, {
      message: 'POST /api/v1/workloads/workspaces failed with HTTP 400: does not comply',
      reason: 'invalid',
      upstream_status: 400,
      issues: [{ field: 'spec.compute.gpuDevicesRequest', details: 'team-a has a quota of 4 GPUs' }]
    });
    const form = new CreateForm({ create: b => backend.create(b), copy: jest.fn() }, options);
    type(form.name, 'big');
    type(form.gpu, '5');
    await form.submit();
    expect(form.errors().gpu).toBe('team-a has a quota of 4 GPUs');
    expect(form.message.textContent).toBe('Not created: see the marked fields.');
    expect(form.node.textContent).not.toMatch(/HTTP|\/api\//);
    type(form.gpu, '1');
    expect(form.errors().gpu).toBeUndefined();
  });

  it('says a taken name beside the name', async () => {
    const backend = new Backend();
    backend.fail = new ApiError(409, { message: 'HTTP 409', reason: 'conflict', upstream_status: 409 });
    const form = new CreateForm({ create: b => backend.create(b), copy: jest.fn() }, options);
    type(form.name, 'taken');
    await form.submit();
    expect(form.errors().name).toBe('team-b already has a workspace named taken: choose another name.');
  });
});

/** An anywidget model held in memory, as the kernel's traits would fill it. */
function fakeModel(values: IPanelModel) {
  const handlers = new Map<string, Set<(...a: any[]) => void>>();
  return {
    get: (key: keyof IPanelModel) => values[key],
    set: jest.fn(),
    on: (event: string, cb: (...a: any[]) => void) => {
      handlers.set(event, (handlers.get(event) ?? new Set()).add(cb));
    },
    off: (event: string, cb: (...a: any[]) => void) => handlers.get(event)?.delete(cb),
    send: jest.fn(),
    save_changes: jest.fn(),
    widget_manager: {} as any
  };
}

describe('one UI in two places', () => {
  it('shows a workspace with the same row markup in the sidebar and in the notebook panel', () => {
    const ws = workspace('same', {
      phase: 'Pending',
      phaseMessage: 'over quota',
      transitional: false,
      gpu: { requested: 0.5, allocated: 0 }
    });
    const sidebar = new RunaiSidebar(new Backend(ws), hooks);
    const host = document.createElement('div');
    const model = fakeModel({
      workspaces: [ws],
      state: { kind: 'live' },
      loaded: true,
      status: null,
      status_error: null,
      projects: ['team-a'],
      default_project: 'team-a',
      default_gpu: 1,
      version: '0.1.0'
    });
    const cleanup = (widget.render as any)({ model, el: host, experimental: {} });
    const rowOf = (root: Element) => root.querySelector('.jp-RunaiRow[data-name="same"]')!.outerHTML;
    expect(rowOf(host)).toBe(rowOf(sidebar.node));
    expect(rowOf(host)).toContain('over quota');
    cleanup();
    sidebar.dispose();
  });
});
