/**
 * What failures say, in the user's words, as the notebook panel says them: the sentences are
 * jupyter_runai/kernel/widgets/words.py's (copied into createSchema.json by
 * labextension/scripts/create_schema.py). Run:ai's own HTTP report (method, path, status)
 * never shows: it is in the server's log.
 */
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
