import { forAction, forConnection } from '../src/words';

const http = 'POST /api/v1/workloads/workspaces/0b0c/suspend failed with HTTP 503: try later.';

describe('failures in the user\'s words (the panel\'s sentences, words.py)', () => {
  it('says what happened to an action, never the HTTP report', () => {
    expect(forAction({ reason: 'unavailable', message: http }, 'suspend', 'nb')).toBe(
      'Suspend failed: Run:ai is not answering right now; try again in a moment.'
    );
    expect(forAction({ reason: 'not_found', message: http }, 'delete', 'nb')).toBe(
      'Delete failed: nb no longer exists.'
    );
    expect(forAction({ reason: 'forbidden', message: http }, 'resume', 'nb')).toBe(
      'Resume refused: Run:ai does not allow it.'
    );
    expect(forAction({ reason: 'upstream_error', message: http }, 'resume', 'nb')).toBe(
      'Resume failed: Run:ai refused it.'
    );
  });

  it('keeps the extension\'s own advice', () => {
    const advice = 'Project team-z is not one this server may use (allowed: team-a).';
    expect(forAction({ reason: 'project_not_allowed', message: advice }, 'suspend', 'nb')).toBe(
      `Suspend refused: ${advice}`
    );
    const notConfigured = 'jupyter-runai is not configured: set RUNAI_URL';
    expect(forConnection({ reason: 'not_configured', message: notConfigured })).toBe(notConfigured);
    expect(forConnection({ reason: 'unavailable', message: http })).toMatch(/^Run:ai is not answering/);
  });

  it('says when the hub\'s jupyter-runai service, not Run:ai, is not answering', () => {
    const silent = 'the jupyter-runai service is not answering: no events from http://x/ within 10 s';
    expect(forConnection({ reason: 'service_timeout', message: silent })).toMatch(
      /^The jupyter-runai service is not answering right now/
    );
    expect(forAction({ reason: 'service_unavailable', message: silent }, 'suspend', 'nb')).toBe(
      'Suspend failed: the jupyter-runai service is not answering right now; try again in a moment.'
    );
    expect(forAction({ reason: 'service_timeout', message: silent }, 'delete', 'nb')).toMatch(
      /^Delete: the jupyter-runai service did not answer in time; it may have happened/
    );
  });
});
