/** The left sidebar: a header (title, simulated badge, New, Refresh), the connection state, and
 * one row per workspace. Plain DOM: a handful of rows, re-rendered from the service's state. */
import { Widget } from '@lumino/widgets';
import {
  IWorkspace,
  Action,
  ageText,
  allows,
  gpuText,
  phaseNote,
  phaseKind,
  showsSpinner,
  sorted,
  toolLinks
} from './model';
import { COPY_FORMATS, CopyFormat } from './copyas';
import { WorkspaceService } from './service';
import { IProblem, stateText } from './status';

export { statusProblem } from './status';

export interface IPanelActions {
  act(ws: IWorkspace, action: Action): void;
  copy(ws: IWorkspace, format: CopyFormat): void;
  insert(ws: IWorkspace): void;
  newWorkspace(): void;
  refresh(): void;
}

export const SIDEBAR_ID = 'jupyter-runai-sidebar';

export class RunaiSidebar extends Widget {
  constructor(
    private readonly _service: WorkspaceService,
    private readonly _actions: IPanelActions
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-RunaiSidebar');
    this.title.caption = 'Run:ai workspaces';
    const header = document.createElement('div');
    header.className = 'jp-RunaiSidebar-header';
    const title = document.createElement('span');
    title.className = 'jp-RunaiSidebar-title';
    title.textContent = 'Run:ai workspaces';
    this._badge.className = 'jp-RunaiSidebar-badge';
    this._badge.textContent = 'simulated';
    this._badge.title = 'The upstream is a Run:ai simulator, not a real cluster.';
    this._badge.hidden = true;
    this._new = button('New', 'New workspace', () => this._actions.newWorkspace());
    this._new.classList.add('jp-mod-accept', 'jp-RunaiSidebar-new');
    const refresh = button('Refresh', 'Reconnect and check the server again', () =>
      this._actions.refresh()
    );
    const buttons = document.createElement('span');
    buttons.className = 'jp-RunaiSidebar-buttons'; // wrap together, never one per line
    buttons.append(this._new, refresh);
    header.append(title, this._badge, buttons);
    this._problem.className = 'jp-RunaiSidebar-state jp-RunaiSidebar-problem';
    this._state.className = 'jp-RunaiSidebar-state jp-RunaiSidebar-stream';
    this._state.setAttribute('role', 'status');
    this._list.className = 'jp-RunaiSidebar-list';
    this.node.append(header, this._problem, this._state, this._list);
    _service.changed.connect(this._render, this);
    _service.stateChanged.connect(this._renderState, this);
    this._renderState();
    this._render();
  }

  /** Show the startup check's result; a blocking problem is all the panel shows (no stream
   * state, no list, no New) until a Refresh finds it fixed. */
  setStatus(problem: IProblem | null, simulated: boolean): void {
    this._problem.textContent = problem ? problem.text : '';
    this._problem.className =
      'jp-RunaiSidebar-state jp-RunaiSidebar-problem' + (problem ? ` jp-mod-${problem.level}` : '');
    this._badge.hidden = !simulated;
    const blocked = !!problem?.blocking;
    this.node.dataset.blocked = String(blocked);
    this._state.hidden = this._list.hidden = blocked;
    this._new.disabled = blocked;
  }

  protected onAfterAttach(): void {
    this._ticker = window.setInterval(() => this._tick(), 1000);
  }

  protected onBeforeDetach(): void {
    if (this._ticker !== null) {
      window.clearInterval(this._ticker);
      this._ticker = null;
    }
  }

  dispose(): void {
    this.onBeforeDetach();
    super.dispose();
  }

  private _tick(): void {
    const now = Date.now();
    for (const el of this._list.querySelectorAll<HTMLElement>('.jp-RunaiRow-age')) {
      el.textContent = ageText(el.dataset.created, now);
    }
  }

  private _renderState(): void {
    const { level, text } = stateText(this._service.state);
    this._state.textContent = text;
    this._state.className =
      'jp-RunaiSidebar-state jp-RunaiSidebar-stream' + (level ? ` jp-mod-${level}` : '');
    this.node.dataset.stream = this._service.state.kind;
  }

  private _render(): void {
    const rows = sorted(this._service.workspaces.values());
    this._list.replaceChildren();
    if (!rows.length) {
      const empty = document.createElement('li');
      empty.className = 'jp-RunaiSidebar-empty';
      empty.textContent = this._service.loaded
        ? 'No workspaces yet. New creates one.'
        : 'Loading workspaces…';
      this._list.append(empty);
      return;
    }
    const now = Date.now();
    for (const ws of rows) {
      this._list.append(this._row(ws, now));
    }
  }

  private _row(ws: IWorkspace, now: number): HTMLElement {
    const li = document.createElement('li');
    li.className = 'jp-RunaiRow';
    li.dataset.id = ws.id;
    li.dataset.name = ws.name;
    li.dataset.phase = ws.phase;

    const top = div('jp-RunaiRow-top');
    const name = span('jp-RunaiRow-name', ws.name);
    name.title = ws.image ? `${ws.name} (${ws.image})` : ws.name;
    const chip = span('jp-RunaiChip', '');
    chip.dataset.kind = phaseKind(ws);
    if (showsSpinner(ws)) {
      chip.append(span('jp-RunaiSpinner', ''));
      chip.setAttribute('aria-busy', 'true');
    }
    chip.append(document.createTextNode(ws.phase));
    top.append(name, chip);

    const meta = div('jp-RunaiRow-meta');
    meta.append(span('jp-RunaiRow-project', ws.project ?? ''));
    const gpus = gpuText(ws.gpu);
    if (gpus) {
      meta.append(span('jp-RunaiRow-gpu', `${gpus} GPU`));
    }
    const age = span('jp-RunaiRow-age', ageText(ws.createdAt, now));
    age.dataset.created = ws.createdAt ?? '';
    age.title = ws.createdAt ? `created ${ws.createdAt}` : '';
    meta.append(age);
    li.append(top, meta);

    const note = phaseNote(ws);
    if (note) {
      const reason = div('jp-RunaiRow-reason', note.text);
      reason.classList.toggle('jp-mod-error', note.level === 'error');
      li.append(reason);
    }
    const links = toolLinks(ws);
    if (links.length) {
      const tools = div('jp-RunaiRow-tools');
      for (const link of links) {
        const a = document.createElement('a');
        a.href = link.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = link.label;
        a.title = link.url;
        tools.append(a);
      }
      li.append(tools);
    }

    const actions = div('jp-RunaiRow-actions');
    for (const [action, label] of [
      ['suspend', 'Suspend'],
      ['resume', 'Resume'],
      ['delete', 'Delete']
    ] as [Action, string][]) {
      const b = button(label, `${label} ${ws.name}`, () => this._actions.act(ws, action));
      b.dataset.action = action;
      b.disabled = !allows(ws, action);
      actions.append(b);
    }
    const copy = document.createElement('select');
    copy.className = 'jp-RunaiCopy';
    copy.title = `Copy the create of ${ws.name} as…`;
    copy.setAttribute('aria-label', copy.title);
    copy.append(option('', 'Copy as…'));
    for (const f of COPY_FORMATS) {
      copy.append(option(f.format, f.label));
    }
    copy.append(option('insert', 'Insert Python in notebook'));
    copy.addEventListener('change', () => {
      const value = copy.value;
      copy.value = '';
      if (value === 'insert') {
        this._actions.insert(ws);
      } else if (value) {
        this._actions.copy(ws, value as CopyFormat);
      }
    });
    actions.append(copy);
    li.append(actions);
    return li;
  }

  private _new: HTMLButtonElement;
  private _badge = document.createElement('span');
  private _problem = document.createElement('div');
  private _state = document.createElement('div');
  private _list = document.createElement('ul');
  private _ticker: number | null = null;
}

function div(className: string, text = ''): HTMLDivElement {
  const el = document.createElement('div');
  el.className = className;
  el.textContent = text;
  return el;
}

function span(className: string, text: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

function option(value: string, text: string): HTMLOptionElement {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  return el;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const el = document.createElement('button');
  el.type = 'button';
  el.textContent = text;
  el.title = title;
  el.addEventListener('click', onClick);
  return el;
}
