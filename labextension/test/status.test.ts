import { stateText, statusProblem } from '../src/status';

const ok = {
  version: '0.1.0',
  mode: 'simulator',
  configured: true,
  simulated: true,
  reachable: true,
  credentials_accepted: true,
  user: 'u',
  message: null
};

describe('the startup check', () => {
  it('is quiet when all is well', () => {
    expect(statusProblem(ok, null, '0.1.0')).toBeNull();
  });

  it('says the server extension is missing or disabled on a 404', () => {
    expect(statusProblem(null, { status: 404, message: '' }, '0.1.0')?.text).toMatch(
      /server extension is missing or disabled.*jupyter server extension enable jupyter_runai/
    );
  });

  it('passes on the server message when it is not configured', () => {
    const problem = statusProblem(
      { ...ok, configured: false, message: 'jupyter-runai is not configured: set RUNAI_URL' },
      null,
      '0.1.0'
    );
    expect(problem).toEqual({
      level: 'error',
      blocking: true,
      text: 'jupyter-runai is not configured: set RUNAI_URL'
    });
  });

  it('blocks the list only for what no reconnect can fix', () => {
    expect(statusProblem(null, { status: 404, message: '' }, '0.1.0')?.blocking).toBe(true);
    expect(statusProblem(null, { status: 503, message: 'down' }, '0.1.0')?.blocking).toBeFalsy();
    expect(statusProblem({ ...ok, reachable: false }, null, '0.1.0')?.blocking).toBeFalsy();
    expect(statusProblem({ ...ok, version: '0.2.0' }, null, '0.1.0')?.blocking).toBeFalsy();
  });

  it('names both versions when they differ', () => {
    expect(statusProblem({ ...ok, version: '0.2.0' }, null, '0.1.0')?.text).toMatch(
      /server extension is jupyter-runai 0.2.0 but this sidebar is 0.1.0/
    );
  });

  it('says when Run:ai is unreachable', () => {
    expect(
      statusProblem({ ...ok, reachable: false, message: 'Run:ai did not answer' }, null, '0.1.0')
    ).toEqual({ level: 'error', text: 'Run:ai did not answer' });
  });
});

describe('the stream line', () => {
  it('shows reconnecting with its delay and reason, nothing when live', () => {
    expect(stateText({ kind: 'live' }).text).toBe('');
    expect(
      stateText({ kind: 'reconnecting', attempt: 2, delayMs: 2000, reason: 'the server closed the event stream' })
    ).toEqual({ level: 'warn', text: 'Reconnecting in 2 s (the server closed the event stream)…' });
    // Run:ai's HTTP report stays in the log: the line says it in the user's words
    expect(
      stateText({
        kind: 'upstream-error',
        error: {
          message: 'GET /api/v1/workloads failed with HTTP 503: Please try again in few minutes.',
          reason: 'unavailable',
          upstream_status: 503
        }
      }).text
    ).toBe('Run:ai is not answering right now: this shows what it said last, and reconnects.');
  });
});
