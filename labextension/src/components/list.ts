/**
 * The list of workspaces, one UI for the JupyterLab sidebar and the notebook panel: a header
 * (title, simulated badge, New, Refresh), what is wrong with the server, how the live list is
 * doing, and a row per workspace (name, phase chip, project, GPUs, a ticking age, why it waits or
 * failed, tool links, actions, Copy as). Plain DOM, re-rendered from its backend.
 */
import { IBackend, isLive } from '../backend';
import { COPY_FORMATS, CopyFormat, ICreateBody, bodyOfWorkspace, copyWhat, render } from '../copyas';
import {
  Action,
  IWorkspace,
  ageText,
  allows,
  deleteWarning,
  gpuText,
  phaseKind,
  phaseNote,
  showsSpinner,
  sorted,
  toolLinks
} from '../model';
import { IProblem, stateText } from '../status';
import { forActionError, isOutage } from '../words';
import { button, el, option } from './dom';

export interface IListHooks {
  /** Put text on the clipboard and say so. */
  copy(text: string, what: string): void;
  /** Check the server again and reconnect the live list. */
  refresh(): void;
  /** Open the New workspace form (the sidebar's dialog); no New button without it. */
  newWorkspace?(): void;
  /** Insert the Python call that recreates a workspace into the notebook; not offered without. */
  insert?(body: ICreateBody): void;
  /** Ask before a Delete (JupyterLab's dialog); without it, the row asks. */
  confirmDelete?(ws: IWorkspace): Promise<boolean>;
  /** Also tell of a failed action (a notification), besides the note on its row. */
  failed?(ws: IWorkspace, text: string): void;
}

const ACTIONS: [Action, string][] = [
  ['suspend', 'Suspend'],
  ['resume', 'Resume'],
  ['delete', 'Delete']
];

export class WorkspaceList {
  readonly node = el('div', 'jp-RunaiList');
  /** Between the header and the rows: where the notebook panel puts its create form. */
  readonly slot = el('div', 'jp-RunaiList-slot');

  constructor(
    private readonly _backend: IBackend,
    private readonly _hooks: IListHooks,
    title = 'Run:ai workspaces'
  ) {
    const header = el('div', 'jp-RunaiSidebar-header');
    const heading = el('span', 'jp-RunaiSidebar-title', title);
    this._badge.className = 'jp-RunaiSidebar-badge';
    this._badge.textContent = 'simulated';
    this._badge.title = 'The upstream is a Run:ai simulator, not a real cluster.';
    this._badge.hidden = true;
    const buttons = el('span', 'jp-RunaiSidebar-buttons'); // wrap together, never one per line
    if (_hooks.newWorkspace) {
      this._new = button('New', 'New workspace', () => _hooks.newWorkspace?.());
      this._new.classList.add('jp-mod-accept', 'jp-RunaiSidebar-new');
      buttons.append(this._new);
    }
    buttons.append(button('Refresh', 'Reconnect and check the server again', () => _hooks.refresh()));
    header.append(heading, this._badge, buttons);
    this._problem.className = 'jp-RunaiSidebar-state jp-RunaiSidebar-problem';
    this._state.className = 'jp-RunaiSidebar-state jp-RunaiSidebar-stream';
    this._state.setAttribute('role', 'status');
    this._list.className = 'jp-RunaiSidebar-list';
    this._notice.className = 'jp-RunaiSidebar-state jp-RunaiList-notice';
    this._notice.setAttribute('role', 'status');
    this.node.append(header, this._problem, this._state, this._notice, this.slot, this._list);
    this._unsubscribe = _backend.subscribe(() => this._changed());
    this._ticker = setInterval(() => this._tick(), 1000);
    this.render();
  }

  /** Show the startup check's result; a blocking problem is all the list shows (no stream
   * state, no rows, no New) until a Refresh finds it fixed. */
  setStatus(problem: IProblem | null, simulated: boolean): void {
    this._problem.textContent = problem ? problem.text : '';
    this._problem.className =
      'jp-RunaiSidebar-state jp-RunaiSidebar-problem' + (problem ? ` jp-mod-${problem.level}` : '');
    this._badge.hidden = !simulated;
    this._simulated = simulated;
    const blocked = !!problem?.blocking;
    this.node.dataset.blocked = String(blocked);
    this._state.hidden = this._list.hidden = this.slot.hidden = blocked;
    if (this._new) {
      this._new.disabled = blocked;
    }
    this.render();
  }

  /** Say something for a few seconds (what was copied, where there are no notifications). */
  say(text: string): void {
    this._notice.textContent = text;
    if (this._noticeTimer !== null) {
      clearTimeout(this._noticeTimer);
    }
    this._noticeTimer = setTimeout(() => (this._notice.textContent = ''), 5000);
  }

  dispose(): void {
    if (this._noticeTimer !== null) {
      clearTimeout(this._noticeTimer);
    }
    if (this._ticker !== null) {
      clearInterval(this._ticker);
      this._ticker = null;
    }
    this._unsubscribe();
  }

  /** Draw the state line and the rows again from the backend. */
  render(): void {
    const state = this._backend.state;
    const { level, text } = stateText(state);
    this._state.textContent = text;
    this._state.className =
      'jp-RunaiSidebar-state jp-RunaiSidebar-stream' + (level ? ` jp-mod-${level}` : '');
    this.node.dataset.stream = state.kind;
    const live = isLive(state);
    this.node.classList.toggle('jp-mod-stale', !live && this._backend.loaded);
    const rows = sorted(this._backend.workspaces.values());
    for (const [id, note] of this._notes) {
      const ws = this._backend.workspaces.get(id);
      if (!ws || ws.phase !== note.phase) {
        this._notes.delete(id); // the phase moved on: what failed no longer applies
      }
    }
    this._list.replaceChildren();
    if (!rows.length) {
      this._list.append(
        el(
          'li',
          'jp-RunaiSidebar-empty',
          this._backend.loaded
            ? `No workspaces yet.${this._hooks.newWorkspace ? ' New creates one.' : ''}`
            : 'Loading workspaces…'
        )
      );
      return;
    }
    const now = Date.now();
    for (const ws of rows) {
      this._list.append(this._row(ws, now, live));
    }
  }

  /** News from the backend: a failed action's "not answering" note is moot once the list is
   * live (Run:ai, and the server, answer again). */
  private _changed(): void {
    if (isLive(this._backend.state)) {
      for (const [id, note] of this._notes) {
        if (note.outage) {
          this._notes.delete(id);
        }
      }
    }
    this.render();
  }

  private _tick(): void {
    const now = Date.now();
    for (const age of this._list.querySelectorAll<HTMLElement>('.jp-RunaiRow-age')) {
      const text = ageText(age.dataset.created, now);
      if (age.textContent !== text) {
        age.textContent = text;
      }
    }
  }

  private _row(ws: IWorkspace, now: number, live: boolean): HTMLElement {
    const li = el('li', 'jp-RunaiRow');
    li.dataset.id = ws.id;
    li.dataset.name = ws.name;
    li.dataset.phase = ws.phase;

    const top = el('div', 'jp-RunaiRow-top');
    const name = el('span', 'jp-RunaiRow-name', ws.name);
    name.title = ws.image ? `${ws.name} (${ws.image})` : ws.name;
    const chip = el('span', 'jp-RunaiChip');
    chip.dataset.kind = phaseKind(ws);
    if (showsSpinner(ws)) {
      chip.append(el('span', 'jp-RunaiSpinner'));
      chip.setAttribute('aria-busy', 'true');
    }
    chip.append(document.createTextNode(ws.phase));
    top.append(name, chip);

    const meta = el('div', 'jp-RunaiRow-meta');
    meta.append(el('span', 'jp-RunaiRow-project', ws.project ?? ''));
    const gpus = gpuText(ws.gpu);
    if (gpus) {
      meta.append(el('span', 'jp-RunaiRow-gpu', `${gpus} GPU`));
    }
    const age = el('span', 'jp-RunaiRow-age', ageText(ws.createdAt, now));
    age.dataset.created = ws.createdAt ?? '';
    age.title = ws.createdAt ? `created ${ws.createdAt}` : '';
    meta.append(age);
    li.append(top, meta);

    const phaseWhy = phaseNote(ws);
    if (phaseWhy) {
      const reason = el('div', 'jp-RunaiRow-reason', phaseWhy.text);
      reason.classList.toggle('jp-mod-error', phaseWhy.level === 'error');
      li.append(reason);
    }
    const links = toolLinks(ws);
    if (links.length) {
      const tools = el('div', 'jp-RunaiRow-tools');
      for (const link of links) {
        if (this._simulated) {
          // a simulated workspace has no server behind its URL: say so, do not open a dead page
          const shown = el('span', 'jp-RunaiRow-link jp-mod-simulated', `${link.label} (simulated)`);
          shown.title = `Simulated: no tool runs at ${link.url}`;
          tools.append(shown);
          continue;
        }
        const a = el('a', '', link.label);
        a.href = link.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.title = link.url;
        tools.append(a);
      }
      li.append(tools);
    }
    const note = this._notes.get(ws.id);
    if (note) {
      const said = el('div', 'jp-RunaiRow-reason jp-RunaiRow-note jp-mod-error', note.text);
      said.setAttribute('role', 'alert');
      li.append(said);
    }

    const actions = el('div', 'jp-RunaiRow-actions');
    for (const [action, label] of ACTIONS) {
      const allowed = allows(ws, action);
      const b = button(label, `${label} ${ws.name}`, () => void this._act(ws, action, li));
      b.dataset.action = action;
      b.disabled = !allowed || !live || this._busy.has(ws.id);
      if (!live) {
        b.title = `${label} ${ws.name}: not while the list is not live`;
      } else if (!allowed) {
        b.title = `${label} ${ws.name}: not while it is ${ws.phase}`;
      }
      actions.append(b);
    }
    actions.append(this._copyMenu(ws));
    li.append(actions);
    return li;
  }

  private _copyMenu(ws: IWorkspace): HTMLSelectElement {
    const copy = el('select', 'jp-RunaiCopy');
    copy.title = `Copy the create of ${ws.name} as…`;
    copy.setAttribute('aria-label', copy.title);
    copy.append(option('', 'Copy as…'));
    for (const f of COPY_FORMATS) {
      copy.append(option(f.format, f.label));
    }
    if (this._hooks.insert) {
      copy.append(option('insert', 'Insert Python in notebook'));
    }
    copy.addEventListener('change', () => {
      const value = copy.value;
      copy.value = '';
      // a copy makes another workspace: it proposes a name not taken in its project
      const body = { ...bodyOfWorkspace(ws), name: this._freeName(ws) };
      if (value === 'insert') {
        this._hooks.insert?.(body);
      } else if (value) {
        this._hooks.copy(render(value as CopyFormat, body), copyWhat(value as CopyFormat, ws.name));
      }
    });
    return copy;
  }

  /** `nb-2`, `nb-3`...: the first name no workspace of its project has. */
  private _freeName(ws: IWorkspace): string {
    const taken = new Set(
      [...this._backend.workspaces.values()].filter(w => w.project === ws.project).map(w => w.name)
    );
    const stem = ws.name.replace(/-\d+$/, '');
    for (let n = 2; ; n++) {
      const candidate = `${stem.slice(0, 40 - String(n).length - 1)}-${n}`;
      if (!taken.has(candidate)) {
        return candidate;
      }
    }
  }

  private async _act(ws: IWorkspace, action: Action, row: HTMLElement): Promise<void> {
    if (action === 'delete' && !(await this._confirmDelete(ws, row))) {
      return;
    }
    this._busy.add(ws.id);
    this._notes.delete(ws.id);
    this.render();
    try {
      await this._backend.act(ws.id, action);
    } catch (e) {
      const text = forActionError(e, action, ws.name);
      this._notes.set(ws.id, { text, phase: ws.phase, outage: isOutage(e) });
      this._hooks.failed?.(ws, text);
    } finally {
      this._busy.delete(ws.id);
      this.render();
    }
  }

  /** JupyterLab's dialog where there is one, else a question on the row itself. */
  private _confirmDelete(ws: IWorkspace, row: HTMLElement): Promise<boolean> {
    if (this._hooks.confirmDelete) {
      return this._hooks.confirmDelete(ws);
    }
    return new Promise(resolve => {
      const ask = el('div', 'jp-RunaiRow-confirm');
      ask.setAttribute('role', 'alertdialog');
      ask.append(el('div', '', deleteWarning(ws)));
      const answer = (yes: boolean) => {
        ask.remove();
        resolve(yes);
      };
      const no = button('Cancel', `Keep ${ws.name}`, () => answer(false));
      const yes = button('Delete', `Delete ${ws.name} for good`, () => answer(true));
      yes.classList.add('jp-mod-warn');
      const buttons = el('div', 'jp-RunaiRow-actions');
      buttons.append(no, yes);
      ask.append(buttons);
      row.append(ask);
      no.focus();
    });
  }

  private _badge = el('span');
  private _simulated = false;
  private _new: HTMLButtonElement | null = null;
  private _problem = el('div');
  private _state = el('div');
  private _list = el('ul');
  private _notice = el('div');
  private _noticeTimer: ReturnType<typeof setTimeout> | null = null;
  private _ticker: ReturnType<typeof setInterval> | null = null;
  private _unsubscribe: () => void;
  private _busy = new Set<string>();
  /** What a failed action said on its row, until the phase moves (or, for an outage, until the
   * list is live again). */
  private _notes = new Map<string, { text: string; phase: string; outage: boolean }>();
}
