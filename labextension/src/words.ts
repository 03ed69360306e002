/**
 * What failures say, in the user's words, as the notebook panel says them: the sentences are
 * jupyter_runai/kernel/words.py's (copied into createSchema.json by
 * labextension/scripts/create_schema.py). Run:ai's own HTTP report (method, path, status)
 * never shows: it is in the server's log.
 */
import { asApiError } from './backend';
import rules from './createSchema.json';

const WORDS = rules.words;
const ACTION: { [reason: string]: string } = WORDS.action;
/** Refusals whose message is the extension's own advice (a setting, a limit). */
const REFUSALS = new Set<string>(WORDS.refusals);

/** The extension's own words as they are; Run:ai's HTTP report replaced by `fallback`. */
export function plain(message: string, fallback: string): string {
  return WORDS.httpMarks.some((mark: string) => message.includes(mark)) ? fallback : message;
}

/** A failed Suspend / Resume / Delete of `name`. */
export function forAction(
  error: { reason?: string | null; message: string },
  action: string,
  name: string
): string {
  const verb = action.charAt(0).toUpperCase() + action.slice(1);
  const template = ACTION[error.reason ?? ''];
  if (template) {
    return template.replace('{verb}', verb).replace('{name}', name);
  }
  if (REFUSALS.has(error.reason ?? '')) {
    return `${verb} refused: ${plain(error.message, WORDS.notAllowed)}`;
  }
  return `${verb} failed: ${plain(error.message, WORDS.refused)}`;
}

const CONNECTION: { [reason: string]: string } = WORDS.connection;

/**
 * Why the live list is not live: the extension's advice, else who is not answering (Run:ai, or
 * in hub mode the hub's jupyter-runai service).
 */
export function forConnection(error: { reason?: string | null; message: string }): string {
  if (WORDS.advice.includes(error.reason ?? '') && error.message) {
    return error.message;
  }
  return CONNECTION[error.reason ?? ''] ?? WORDS.notAnswering;
}

/** A failed Suspend / Resume / Delete, whatever went wrong (an API error or a network one). */
export function forActionError(e: unknown, action: string, name: string): string {
  return forAction(asApiError(e).body, action, name);
}

const OUTAGES = new Set<string>(WORDS.outages);

/** Whether an error says only that something did not answer: moot once it answers again. */
export function isOutage(e: unknown): boolean {
  const reason = asApiError(e).body.reason;
  return OUTAGES.has(reason) || reason === 'http';
}

const CREATE: { [reason: string]: [string | null, string] } = WORDS.create as any;

/** A failed create: the form field it concerns (null: the whole form) and the words. */
export function forCreate(
  error: { reason?: string | null; message: string },
  name: string,
  project: string
): { field: string | null; text: string } {
  const fill = (text: string) => text.replace('{name}', name).replace('{project}', project);
  const known = CREATE[error.reason ?? ''];
  if (known) {
    return { field: known[0], text: fill(known[1]) };
  }
  if (WORDS.advice.includes(error.reason ?? '')) {
    return { field: 'project', text: `Not allowed: ${plain(error.message, fill(WORDS.notAllowedIn))}` };
  }
  const own = plain(error.message, '');
  return { field: null, text: own ? `Not created: ${own}` : 'Not created: Run:ai refused the request.' };
}
