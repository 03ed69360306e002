/**
 * A Server-Sent Events parser (the text/event-stream format), fed chunks of a fetch body.
 * The stream is read with fetch rather than EventSource so that it goes through
 * ServerConnection (Jupyter's token/XSRF handling, JupyterHub's cookies) like every request.
 */

export interface ISseEvent {
  event: string;
  data: string;
}

export class SseParser {
  private _buffer = '';
  private _event = '';
  private _data: string[] = [];

  /** Feed text; returns the events completed by it (comments are skipped). */
  push(chunk: string): ISseEvent[] {
    this._buffer += chunk;
    const out: ISseEvent[] = [];
    let index: number;
    while ((index = this._buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this._buffer.slice(0, index);
      const eol = this._buffer.startsWith('\r\n', index) ? 2 : 1;
      this._buffer = this._buffer.slice(index + eol);
      if (line === '') {
        if (this._data.length) {
          out.push({ event: this._event || 'message', data: this._data.join('\n') });
        }
        this._event = '';
        this._data = [];
        continue;
      }
      if (line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (field === 'event') {
        this._event = value;
      } else if (field === 'data') {
        this._data.push(value);
      }
    }
    return out;
  }
}
