/**
 * "Copy as": the same create as a Run:ai CLI v2 command, a `%runai submit` line and a Python
 * call. The flags are the CLI's own, which `%runai submit` accepts too
 * (jupyter_runai/kernel/magics.py), but for `--tool NAME:PORT`, the magic's way to name a link.
 */

import { IToolSpec, spelledByName } from './validate';

/** A create body (openapi.yaml `CreateWorkspace`), the fields these lines carry. */
export interface ICreateBody {
  name: string;
  project: string;
  image: string;
  gpu?: number;
  cpu?: number;
  memory?: string;
  env?: { [key: string]: string };
  tools?: IToolSpec[];
  namePrefix?: boolean;
}

/** A word quoted for a POSIX shell when it needs to be. */
export function shellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) {
    return word;
  }
  return "'" + word.replace(/'/g, "'\\''") + "'";
}

function num(n: number): string {
  return String(n);
}

/** A tool as the CLI v2 spells it: `--external-url container=8888` (the CLI has no tool name or
 * type; its other keys, url= authusers= authgroups=, are not in a create body). */
function externalUrl(tool: IToolSpec): string[] {
  return ['--external-url', `container=${tool.port}`];
}

/** A tool as `%runai submit` takes it: the CLI's flag for a bare port, `--tool NAME:PORT` (the
 * magic's own) for a named one. */
function magicTool(tool: IToolSpec): string[] {
  return tool.name ? ['--tool', `${tool.name}:${tool.port}`] : externalUrl(tool);
}

/** A tool as `create(tools=[...])` takes it: `6006`, `"jupyter:8888"`, or a mapping where the
 * name does not say the type. */
function pythonTool(tool: IToolSpec): string {
  if (!tool.name && !tool.type) {
    return `${tool.port}`;
  }
  if (spelledByName(tool)) {
    return pyString(`${tool.name}:${tool.port}`);
  }
  const fields = [`"port": ${tool.port}`];
  if (tool.type) {
    fields.push(`"type": ${pyString(tool.type)}`);
  }
  if (tool.name) {
    fields.push(`"name": ${pyString(tool.name)}`);
  }
  return `{${fields.join(', ')}}`;
}

function flags(body: ICreateBody, cli: boolean): string[] {
  const out = ['-p', body.project, '-i', body.image];
  if (body.gpu !== undefined && body.gpu !== null && body.gpu > 0) {
    if (body.gpu < 1) {
      out.push('--gpu-portion-request', num(body.gpu));
    } else {
      out.push('-g', num(body.gpu));
    }
  }
  if (body.cpu !== undefined && body.cpu !== null) {
    out.push('--cpu-core-request', num(body.cpu));
  }
  if (body.memory) {
    out.push('--cpu-memory-request', body.memory);
  }
  for (const tool of body.tools ?? []) {
    out.push(...(cli ? externalUrl(tool) : magicTool(tool)));
  }
  for (const [key, value] of Object.entries(body.env ?? {})) {
    out.push('-e', `${key}=${value}`);
  }
  if (body.namePrefix) {
    out.push('--name-prefix');
  }
  return out;
}

/** What the CLI copy says first: it is for a terminal, not a notebook cell. */
export const CLI_NOTE = '# in a terminal, with the Run:ai CLI v2 (after runai login):';

/** `runai workspace submit NAME -p PROJECT -i IMAGE ...`, under a line that says where. */
export function cliCommand(body: ICreateBody): string {
  const words = ['runai', 'workspace', 'submit', body.name, ...flags(body, true)];
  return `${CLI_NOTE}\n${words.map(shellWord).join(' ')}`;
}

/** `%runai submit NAME -p PROJECT -i IMAGE ...` (the magic splits like a shell), after the
 * `%load_ext` that makes it work in a fresh notebook. */
export function magicLine(body: ICreateBody): string {
  const line = '%runai submit ' + [body.name, ...flags(body, false)].map(shellWord).join(' ');
  return `%load_ext jupyter_runai\n${line}`;
}

/** A Python string literal (JSON's escapes are Python's too). */
export function pyString(value: string): string {
  return JSON.stringify(value);
}

/** `jupyter_runai.create(...)`, with the import, ready to run in a notebook cell. */
export function pythonCall(body: ICreateBody): string {
  const args = [pyString(body.name), `project=${pyString(body.project)}`];
  args.push(`image=${pyString(body.image)}`);
  if (body.gpu !== undefined && body.gpu !== null && body.gpu > 0) {
    args.push(`gpu=${num(body.gpu)}`);
  }
  if (body.cpu !== undefined && body.cpu !== null) {
    args.push(`cpu=${num(body.cpu)}`);
  }
  if (body.memory) {
    args.push(`memory=${pyString(body.memory)}`);
  }
  const tools = body.tools ?? [];
  if (tools.length) {
    args.push(`tools=[${tools.map(pythonTool).join(', ')}]`);
  }
  const env = Object.entries(body.env ?? {});
  if (env.length) {
    args.push(`env={${env.map(([k, v]) => `${pyString(k)}: ${pyString(v)}`).join(', ')}}`);
  }
  if (body.namePrefix) {
    args.push('name_prefix=True');
  }
  return `import jupyter_runai\n\nws = jupyter_runai.create(${args.join(', ')})`;
}

/** The create body that would make this workspace again (what its row knows of it). */
export function bodyOfWorkspace(ws: {
  name: string;
  project: string | null;
  image?: string | null;
  gpu: { requested?: number | null };
  cpu?: number | null;
  memory?: string | null;
  env?: { [key: string]: string };
  tools?: { name: string | null; type: string | null; port: number | null }[];
}): ICreateBody {
  const body: ICreateBody = { name: ws.name, project: ws.project ?? '', image: ws.image ?? '' };
  if (ws.gpu.requested) {
    body.gpu = ws.gpu.requested;
  }
  if (ws.cpu !== undefined && ws.cpu !== null) {
    body.cpu = ws.cpu;
  }
  if (ws.memory) {
    body.memory = ws.memory;
  }
  if (ws.env && Object.keys(ws.env).length) {
    body.env = { ...ws.env };
  }
  const tools: IToolSpec[] = [];
  for (const t of ws.tools ?? []) {
    if (t.port !== null && t.port !== undefined) {
      tools.push({ port: t.port, ...(t.type ? { type: t.type } : {}), ...(t.name ? { name: t.name } : {}) });
    }
  }
  if (tools.length) {
    body.tools = tools;
  }
  return body;
}

export type CopyFormat = 'cli' | 'magic' | 'python';

export const COPY_FORMATS: { format: CopyFormat; label: string }[] = [
  { format: 'cli', label: 'runai CLI' },
  { format: 'magic', label: '%runai' },
  { format: 'python', label: 'Python' }
];

/** How a copy is named when it is said to be on the clipboard. */
export function copyWhat(format: CopyFormat, name: string): string {
  const what = { cli: 'runai command', magic: '%runai line', python: 'Python call' }[format];
  return `the ${what} for ${name}`;
}

export function render(format: CopyFormat, body: ICreateBody): string {
  return format === 'cli' ? cliCommand(body) : format === 'magic' ? magicLine(body) : pythonCall(body);
}
