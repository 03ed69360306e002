import {
  IWorkspace,
  PendingWatch,
  ageText,
  applyEvent,
  deleteWarning,
  gpuText,
  noticeFor,
  pendingReason,
  phaseKind,
  phaseNote,
  showsSpinner,
  sorted,
  toolLabel,
  toolLinks
} from '../src/model';

function ws(over: Partial<IWorkspace> = {}): IWorkspace {
  return {
    id: 'id-1',
    name: 'nb',
    project: 'team-a',
    projectId: '1',
    clusterId: 'c',
    phase: 'Running',
    transitional: false,
    gpu: { requested: 1, allocated: 1 },
    createdAt: '2026-01-01T00:00:00Z',
    urls: ['https://runai.local/runai-team-a/nb/8888/'],
    actions: { suspend: true, resume: false, delete: true },
    ...over
  };
}

describe('a row', () => {
  it('colours the chip by phase and spins only while transitional', () => {
    expect(phaseKind(ws())).toBe('running');
    expect(phaseKind(ws({ phase: 'Failed' }))).toBe('failed');
    expect(phaseKind(ws({ phase: 'Stopped' }))).toBe('stopped');
    expect(phaseKind(ws({ phase: 'Creating', transitional: true }))).toBe('busy');
    expect(showsSpinner(ws())).toBe(false);
    expect(showsSpinner(ws({ phase: 'Stopping', transitional: true }))).toBe(true);
  });

  it('shows an age that ticks, as runai workspace list does', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(ageText('2026-01-01T00:00:00Z', t0 + 45_000)).toBe('45s');
    expect(ageText('2026-01-01T00:00:00Z', t0 + 46_000)).toBe('46s');
    expect(ageText('2026-01-01T00:00:00Z', t0 + 12 * 60_000)).toBe('12m');
    expect(ageText('2026-01-01T00:00:00Z', t0 + 185 * 60_000)).toBe('3h 5m');
    expect(ageText('2026-01-01T00:00:00Z', t0 + 52 * 3600_000)).toBe('2d 4h');
    expect(ageText(null, t0)).toBe('');
  });

  it('shows GPUs allocated of requested only while they differ', () => {
    expect(gpuText({ requested: 1, allocated: 1 })).toBe('1');
    expect(gpuText({ requested: 0.5, allocated: 0 })).toBe('0/0.5');
    expect(gpuText({ requested: null, allocated: null })).toBe('');
  });

  it('offers tool links only while Running, labelled by port', () => {
    expect(toolLinks(ws())).toEqual([
      { label: 'port 8888', url: 'https://runai.local/runai-team-a/nb/8888/' }
    ]);
    expect(toolLinks(ws({ phase: 'Stopped' }))).toEqual([]);
    expect(toolLinks(ws({ urls: ['javascript:alert(1)'] }))).toEqual([]);
    expect(toolLabel('https://nb-team-a.example.com/')).toBe('nb-team-a.example.com');
  });

  it('labels links by the tools the server names, as the notebook panel does', () => {
    const url = 'https://runai.local/runai-team-a/nb/8888/';
    const tool = { name: 'jupyter', type: 'jupyter-notebook', port: 8888, url };
    expect(toolLinks(ws({ tools: [tool] }))).toEqual([{ label: 'jupyter:8888', url }]);
    expect(toolLinks(ws({ tools: [{ ...tool, name: null }] }))[0].label).toBe(
      'jupyter-notebook:8888'
    );
    expect(toolLinks(ws({ tools: [{ ...tool, name: null, type: null }] }))[0].label).toBe(
      'port 8888'
    );
    expect(toolLinks(ws({ tools: [{ ...tool, url: null }] }))).toEqual([
      { label: 'port 8888', url }
    ]);
    expect(toolLinks(ws({ phase: 'Stopped', tools: [tool] }))).toEqual([]);
  });

  it('says why a Pending workspace waits', () => {
    expect(pendingReason(ws({ phase: 'Pending', phaseMessage: 'not enough GPUs' }))).toBe(
      'not enough GPUs'
    );
    expect(pendingReason(ws({ phase: 'Pending', phaseMessage: null }))).toBe(
      'waiting to be scheduled'
    );
    expect(pendingReason(ws())).toBeNull();
  });

  it('says why a workspace failed, marked as an error', () => {
    const failed = ws({ phase: 'Failed', phaseMessage: 'Back-off pulling image "x": not found' });
    expect(phaseNote(failed)).toEqual({ text: 'Back-off pulling image "x": not found', level: 'error' });
    expect(phaseNote(ws({ phase: 'Failed', phaseMessage: null }))?.level).toBe('error');
    expect(phaseNote(ws({ phase: 'Pending', phaseMessage: 'not enough GPUs' }))).toEqual({
      text: 'not enough GPUs',
      level: 'info'
    });
    expect(phaseNote(ws())).toBeNull();
  });

  it('names what a Delete loses', () => {
    expect(deleteWarning(ws())).toMatch(/Delete nb in project team-a\?.*cannot be resumed/);
  });
});

describe('the list', () => {
  it('follows snapshot, workspace and deleted events', () => {
    let state = applyEvent(new Map(), 'snapshot', { workspaces: [ws()], error: null });
    expect([...state.keys()]).toEqual(['id-1']);
    state = applyEvent(state, 'workspace', { workspace: ws({ id: 'id-2', name: 'b' }) });
    expect(state.size).toBe(2);
    state = applyEvent(state, 'deleted', { id: 'id-1' });
    expect([...state.keys()]).toEqual(['id-2']);
  });

  it('sorts newest first', () => {
    const old = ws({ id: 'a', name: 'old', createdAt: '2026-01-01T00:00:00Z' });
    const young = ws({ id: 'b', name: 'young', createdAt: '2026-01-02T00:00:00Z' });
    expect(sorted([old, young]).map(w => w.name)).toEqual(['young', 'old']);
  });
});

describe('notifications', () => {
  it('tell of Running, Failed and Stopped once, when the phase changes', () => {
    const pending = ws({ phase: 'Pending', transitional: true });
    expect(noticeFor(pending, ws())?.kind).toBe('running');
    expect(noticeFor(ws(), ws())).toBeNull();
    expect(noticeFor(ws(), ws({ phase: 'Failed' }))?.kind).toBe('failed');
    expect(noticeFor(ws({ phase: 'Stopping' }), ws({ phase: 'Stopped' }))?.kind).toBe('stopped');
  });

  it('tell once when a workspace stays Pending past the threshold', () => {
    const watch = new PendingWatch();
    const p = ws({ phase: 'Pending', phaseMessage: 'quota' });
    const all = new Map([[p.id, p]]);
    watch.update(all.values(), 0);
    expect(watch.due(all, 299_000, 300)).toEqual([]);
    const due = watch.due(all, 300_000, 300);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ kind: 'pending', reason: 'quota' });
    expect(watch.due(all, 900_000, 300)).toEqual([]);
    const running = new Map([[p.id, ws()]]);
    watch.update(running.values(), 901_000);
    watch.update(all.values(), 902_000); // pending again: a new wait
    expect(watch.due(all, 1_202_000, 300)).toHaveLength(1);
  });
});
