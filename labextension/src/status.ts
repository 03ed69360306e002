/** What the sidebar says about the server extension (the startup check) and the live stream. */
import { IStatus } from './model';
import { StreamState } from './service';
import { forConnection } from './words';

/** A problem the startup check found; `blocking` when no list can come until it is fixed (no
 * server extension, or one not configured), so the sidebar does not stream or offer New. */
export interface IProblem {
  level: 'error' | 'warn';
  text: string;
  blocking?: boolean;
}

/** What the panel says about the server extension (the startup check), or null if all is well. */
export function statusProblem(
  status: IStatus | null,
  error: { status: number; message: string } | null,
  clientVersion: string
): IProblem | null {
  if (error) {
    if (error.status === 404) {
      return {
        level: 'error',
        blocking: true,
        text:
          'The jupyter-runai server extension is missing or disabled on this Jupyter server ' +
          '(runai/api/status answered 404). Install jupyter-runai where the server runs and ' +
          'enable it: jupyter server extension enable jupyter_runai, then restart the server.'
      };
    }
    return { level: 'error', text: `The Run:ai status check failed: ${error.message}` };
  }
  if (!status) {
    return null;
  }
  if (!status.configured) {
    return {
      level: 'error',
      blocking: true,
      text: status.message || 'jupyter-runai is not configured.'
    };
  }
  if (status.version !== clientVersion) {
    return {
      level: 'warn',
      text:
        `The server extension is jupyter-runai ${status.version} but this sidebar is ` +
        `${clientVersion}: install one version and restart Jupyter (then reload this page).`
    };
  }
  if (status.credentials_accepted === false || status.reachable === false) {
    return { level: 'error', text: status.message || 'Run:ai cannot be reached.' };
  }
  return null;
}

/** The line that says how the live list is doing, or '' when it is live. */
export function stateText(state: StreamState): { level: '' | 'warn' | 'error'; text: string } {
  switch (state.kind) {
    case 'live':
      return { level: '', text: '' };
    case 'connecting':
      return { level: '', text: 'Connecting…' };
    case 'reconnecting':
      return {
        level: 'warn',
        text: `Reconnecting in ${Math.round(state.delayMs / 1000)} s (${state.reason})…`
      };
    case 'upstream-error':
      return {
        level: 'warn',
        text: forConnection(state.error)
      };
    case 'stopped':
      return { level: 'error', text: state.reason };
  }
}

