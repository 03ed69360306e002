/**
 * The create rules, applied in the browser with the same messages as the server and the notebook
 * form. The rules are not written here: they are `createSchema.json`, generated from
 * jupyter_runai/client/create_body.py (its SCHEMA and name rule); this file is a port of that
 * module's `check`/`check_name` walker, so a field is refused before any request, next to it.
 */
import rules from './createSchema.json';

export interface IIssue {
  field: string;
  details: string;
}

type Schema = { [key: string]: any };

export const SCHEMA: Schema = rules.schema;
export const NAME_RULE: string = rules.nameRule;

const WORDS: { [kind: string]: string } = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list'
};

class Invalid extends Error {
  constructor(
    readonly field: string,
    readonly details: string
  ) {
    super(`${field}: ${details}`);
  }
}

const compiled = new Map<string, RegExp>();

/** Whether the whole of `value` matches a SCHEMA pattern. */
export function matches(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

function length(value: string): number {
  return [...value].length;
}

/** Python's repr() of a string, as the server's messages quote values. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) {
      out += '\\' + ch;
    } else if (ch === '\n') {
      out += '\\n';
    } else if (ch === '\r') {
      out += '\\r';
    } else if (ch === '\t') {
      out += '\\t';
    } else if (code < 0x20 || code === 0x7f) {
      out += '\\x' + code.toString(16).padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return quote + out + quote;
}

function show(value: string): string {
  const chars = [...value];
  return pyRepr(chars.length <= 40 ? value : chars.slice(0, 37).join('') + '...');
}

function key(k: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(k) ? k : show(k);
}

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function is(value: unknown, kind: string): boolean {
  if (kind === 'boolean') {
    return typeof value === 'boolean';
  }
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
  return false;
}

function check(value: any, schema: Schema, field: string): void {
  const kind = schema.type as string;
  const where = field || 'body';
  const about = (schema.description as string) || '';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Invalid(where, `must be a finite number, not ${value}`);
  }
  if (!is(value, kind)) {
    const rule = `must be ${WORDS[kind]}` + (about ? `: ${about}` : '');
    throw new Invalid(where, rule + (value === null ? ' (leave it out for none)' : ''));
  }
  if (kind === 'string') {
    if ('minLength' in schema && length(value.trim()) < schema.minLength) {
      throw new Invalid(where, `required: ${about}`);
    }
    if ('maxLength' in schema && length(value) > schema.maxLength) {
      throw new Invalid(where, `has ${length(value)} characters; at most ${schema.maxLength}`);
    }
    if ('pattern' in schema && !matches(schema.pattern, value)) {
      throw new Invalid(where, `${show(value)} is not ${about}`);
    }
  } else if (kind === 'number' || kind === 'integer') {
    if ('minimum' in schema && value < schema.minimum) {
      throw new Invalid(where, `must be >= ${schema.minimum}`);
    }
    if ('maximum' in schema && value > schema.maximum) {
      throw new Invalid(where, `must be at most ${schema.maximum}`);
    }
  } else if (kind === 'array') {
    if ('maxItems' in schema && value.length > schema.maxItems) {
      throw new Invalid(where, `has ${value.length} items; at most ${schema.maxItems}`);
    }
    value.forEach((item: any, index: number) =>
      check(item, schema.items, `${where}[${index}]`)
    );
  } else if (kind === 'object') {
    checkObject(value, schema, field);
  }
}

function checkObject(value: { [k: string]: any }, schema: Schema, field: string): void {
  const where = field || 'body';
  const properties: Schema = schema.properties ?? {};
  const extra = schema.additionalProperties ?? true;
  const keys = Object.keys(value);
  if ('maxProperties' in schema && keys.length > schema.maxProperties) {
    throw new Invalid(where, `has ${keys.length} entries; at most ${schema.maxProperties}`);
  }
  const names = schema['x-propertyNames'];
  for (const k of keys) {
    if (k in properties) {
      continue;
    }
    if (extra === false) {
      throw new Invalid(
        join(field, key(k)),
        `unknown field; known: ${Object.keys(properties).join(', ')}`
      );
    }
    if (names) {
      const shown = join(field, key(k));
      if (length(k) > names.maxLength) {
        throw new Invalid(
          shown,
          `the name has ${length(k)} characters; at most ${names.maxLength}`
        );
      }
      if (!matches(names.pattern, k)) {
        throw new Invalid(shown, 'is not a valid environment variable name');
      }
    }
  }
  for (const k of (schema.required as string[]) ?? []) {
    if (value[k] === null || value[k] === undefined) {
      throw new Invalid(join(field, k), `required: ${properties[k].description}`);
    }
  }
  for (const [k, item] of Object.entries(value)) {
    const sub = k in properties ? properties[k] : extra;
    if (typeof sub === 'object' && sub !== null) {
      check(item, sub, join(field, key(k)));
    }
  }
}

/** The name check the form runs as you type (create_body.check_name). */
export function checkName(name: string, prefix = false): IIssue | null {
  const limit = prefix ? rules.nameMaxLength - rules.prefixSuffixLength : rules.nameMaxLength;
  const what = prefix ? 'name prefix' : 'name';
  if (!name) {
    return { field: 'name', details: `a workspace ${what} is required: ${NAME_RULE}` };
  }
  if (length(name) > limit) {
    return {
      field: 'name',
      details:
        `${show(name)} has ${length(name)} characters; a workspace ${what} has at most ${limit}` +
        (prefix ? ' (Run:ai adds a 6-character suffix)' : '')
    };
  }
  if (!matches(rules.namePattern, name)) {
    return { field: 'name', details: `${show(name)} is not a valid workspace ${what}: ${NAME_RULE}` };
  }
  return null;
}

/** The first rule a create body breaks, as the server would say it (parse_create), or null. */
export function checkCreate(body: { [k: string]: any }): IIssue | null {
  try {
    check(body, SCHEMA, '');
  } catch (e) {
    if (e instanceof Invalid) {
      return { field: e.field, details: e.details };
    }
    throw e;
  }
  const named = checkName(body.name, Boolean(body.namePrefix));
  if (named) {
    return named;
  }
  const gpu = body.gpu;
  if (typeof gpu === 'number' && gpu > 1 && !Number.isInteger(gpu)) {
    return { field: 'gpu', details: 'above 1, GPUs are whole devices (a portion is < 1)' };
  }
  return null;
}

const FIELDS = new Set<string>(rules.fields);
const RUNAI_FIELDS: { [k: string]: string } = rules.runaiFields;

/** The create body field an issue concerns (create_body.field_of): one of ours as it is
 * ("env.FOO" -> "env", "namePrefix" -> "name"), else the last segment of Run:ai's path that
 * names one ("spec.compute.gpuDevicesRequest" -> "gpu"); else the path's first segment. */
export function fieldOf(field: string): string {
  const segments = field.split('.').map(s => s.split('[')[0]);
  if (FIELDS.has(segments[0])) {
    return segments[0] === 'namePrefix' ? 'name' : segments[0];
  }
  for (const segment of [...segments].reverse()) {
    if (segment in RUNAI_FIELDS) {
      return RUNAI_FIELDS[segment];
    }
  }
  return segments[0];
}

/** KEY=value lines (the form's environment box) to an object, or the line that is not. */
export function parseEnv(text: string): { env: { [k: string]: string } } | IIssue {
  const env: { [k: string]: string } = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) {
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !line.slice(0, eq).trim()) {
      return { field: 'env', details: `line ${i + 1} is not KEY=value` };
    }
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return { env };
}

/** A tool of a create body: a container port that gets a URL. */
export interface IToolSpec {
  port: number;
  type?: string;
  name?: string;
}

const TOOL = new RegExp(`^(?:${rules.tools.pattern})$`);
const TOOL_TYPES: { [name: string]: string } = rules.tools.types;

/** `jupyter:8888, tensorboard:6006` (or bare ports) to tools, as the notebook form and
 * `%runai submit --tool` read them (jupyter_runai/kernel/tools.py, whose pattern this is). */
export function parseTools(text: string): { tools: IToolSpec[] } | IIssue {
  const tools: IToolSpec[] = [];
  for (const part of text.trim().split(/[,\s]+/)) {
    if (!part) {
      continue;
    }
    const match = TOOL.exec(part);
    if (!match) {
      return { field: 'tools', details: `'${part}' is not ${rules.tools.spelling}` };
    }
    const port = Number(match[2]);
    const name = match[1];
    tools.push(
      name === undefined ? { port } : { port, type: TOOL_TYPES[name.toLowerCase()] ?? 'custom', name }
    );
  }
  return { tools };
}

/** Whether `NAME:PORT` says all of `tool`: its type is the one its name gives (as parseTools
 * reads it), so the short spelling loses nothing. */
export function spelledByName(tool: IToolSpec): tool is IToolSpec & { name: string } {
  return !!tool.name && (tool.type ?? 'custom') === (TOOL_TYPES[tool.name.toLowerCase()] ?? 'custom');
}

/** The Tools field's text for `tools`: `jupyter:8888, 6006`. */
export function formatTools(tools: IToolSpec[]): string {
  return tools.map(t => (t.name ? `${t.name}:${t.port}` : `${t.port}`)).join(', ');
}

/** What a new workspace of `image` exposes unless told otherwise: the Jupyter tool for a Jupyter
 * image, as the notebook form offers it. */
export function defaultTools(image: string): IToolSpec[] {
  return image.toLowerCase().includes(rules.tools.jupyterImageMark) ? [{ ...rules.tools.jupyter }] : [];
}
