/**
 * The create form, one UI for the sidebar's New workspace dialog and the notebook panel. Every
 * field is checked as you type by the create rules (validate.ts, generated from the server's),
 * all errors at once, each beside its field, which is marked for sight (a red border) and for
 * screen readers (aria-invalid, the message tied by aria-describedby). Create is enabled only
 * when there is something valid and new to create, and says why not in its tooltip; Enter
 * creates; a double click creates once; Run:ai's refusals show beside the field they name.
 */
import { asApiError } from '../backend';
import { COPY_FORMATS, ICreateBody, copyWhat, render } from '../copyas';
import { IWorkspace } from '../model';
import {
  IIssue,
  checkCreate,
  checkName,
  defaultTools,
  fieldOf,
  formatTools,
  parseEnv,
  parseTools
} from '../validate';
import { forCreate } from '../words';
import { button, el, option, uniqueId } from './dom';

export const FIELDS = ['name', 'project', 'image', 'gpu', 'cpu', 'memory', 'tools', 'env'] as const;
export type Field = (typeof FIELDS)[number];
/** The fields a create body may leave out, in the order their text is read (env first). */
const OPTIONAL = ['env', 'tools', 'gpu', 'cpu', 'memory'] as const;
const LABELS: Record<Field, string> = {
  name: 'Name',
  project: 'Project',
  image: 'Image',
  gpu: 'GPUs',
  cpu: 'CPU cores',
  memory: 'Memory',
  tools: 'Tools',
  env: 'Environment'
};

export const IMAGE_PRESETS = [
  'jupyter/scipy-notebook',
  'jupyter/pytorch-notebook',
  'jupyter/tensorflow-notebook',
  'python:3.11'
];

export interface IFormHooks {
  /** Create it (the server extension, or the kernel); rejects with an ApiError. */
  create(body: ICreateBody): Promise<IWorkspace>;
  copy(text: string, what: string): void;
  /** Insert the Python call into the notebook; not offered without. */
  insert?(body: ICreateBody): void;
  /** Run:ai accepted a create. */
  created?(ws: IWorkspace): void;
}

export interface IFormOptions {
  projects: string[];
  defaultProject: string;
  /** GPUs a new workspace asks for unless told otherwise. */
  defaultGpu: number;
  /** Whether the form shows its own Create button (the dialog has one in its footer). */
  ownButton: boolean;
}

export class CreateForm {
  readonly node = el('div', 'jp-RunaiForm');
  readonly name = el('input');
  readonly prefix = el('input');
  readonly project = el('select');
  readonly image = el('input');
  readonly gpu = el('input');
  readonly cpu = el('input');
  readonly memory = el('input');
  readonly tools = el('input');
  readonly env = el('textarea');
  readonly createButton = button('Create', '', () => void this.submit());
  readonly message = el('div', 'jp-RunaiForm-message');
  readonly copyRow = el('div', 'jp-RunaiForm-copy');

  constructor(
    private readonly _hooks: IFormHooks,
    options: IFormOptions
  ) {
    const id = uniqueId('jp-RunaiForm');
    this.name.type = 'text';
    this.name.placeholder = 'my-notebook';
    this.name.autocomplete = 'off';
    this._add(id, 'name', this.name);
    this.prefix.type = 'checkbox';
    this.prefix.name = 'namePrefix';
    const prefixLabel = el('label', 'jp-RunaiForm-check');
    prefixLabel.append(this.prefix, document.createTextNode(' use the name as a prefix'));
    this.node.append(el('span'), prefixLabel);
    this.setProjects(options.projects, options.defaultProject);
    this._add(id, 'project', this.project);
    this.image.type = 'text';
    this.image.value = IMAGE_PRESETS[0];
    const presets = el('datalist');
    presets.id = `${id}-images`;
    for (const preset of IMAGE_PRESETS) {
      presets.append(option(preset, ''));
    }
    this.image.setAttribute('list', presets.id);
    this.node.append(presets);
    this._add(id, 'image', this.image);
    for (const [input, value] of [
      [this.gpu, String(options.defaultGpu)],
      [this.cpu, '1']
    ] as [HTMLInputElement, string][]) {
      // no min/step: the browser would mark values invalid silently (and grey Create out) where
      // our rules, checked as you type, say what is wrong beside the field
      input.type = 'number';
      input.step = 'any';
      input.value = value;
    }
    this._add(id, 'gpu', this.gpu, 'a whole number of GPUs, or a fraction below 1 of one');
    this._add(id, 'cpu', this.cpu);
    this.memory.type = 'text';
    this.memory.placeholder = 'e.g. 8G';
    this._add(id, 'memory', this.memory);
    this.tools.type = 'text';
    this.tools.placeholder = 'e.g. jupyter:8888, tensorboard:6006';
    this.tools.value = formatTools(defaultTools(this.image.value));
    this._add(id, 'tools', this.tools);
    this.env.rows = 2;
    this.env.placeholder = 'KEY=value, one per line';
    this._add(id, 'env', this.env);
    // the tools follow the image (a Jupyter image gets jupyter:8888) until the user edits them
    this.tools.addEventListener('input', () => (this._toolsEdited = true));
    this.image.addEventListener('input', () => {
      if (!this._toolsEdited) {
        this.tools.value = formatTools(defaultTools(this.image.value));
      }
    });
    this.message.setAttribute('role', 'status');
    this.message.setAttribute('aria-live', 'polite');
    this.createButton.classList.add('jp-mod-accept', 'jp-RunaiForm-create');
    if (options.ownButton) {
      const footer = el('div', 'jp-RunaiForm-footer');
      footer.append(this.createButton, this.message);
      this.node.append(footer);
    } else {
      this.node.append(this.message); // the dialog's footer has the Create button
    }
    this.node.append(this.copyRow);
    for (const { format, label } of COPY_FORMATS) {
      const copy = button(`Copy as ${label}`, `Copy this create as ${label}`, () => {
        const body = this.body();
        if (body) {
          this._hooks.copy(render(format, body), copyWhat(format, body.name));
        }
      });
      copy.classList.add('jp-RunaiCopyButton');
      copy.dataset.format = format;
      this.copyRow.append(copy);
    }
    if (_hooks.insert) {
      this.copyRow.append(
        button('Insert Python in notebook', 'Insert this create as a Python cell', () => {
          const body = this.body();
          if (body) {
            this._hooks.insert?.(body);
          }
        })
      );
    }
    for (const field of FIELDS) {
      const input = this._inputs[field];
      const edited = () => this._edited(field);
      input.addEventListener('input', edited);
      input.addEventListener('change', edited);
      if (input instanceof HTMLInputElement) {
        input.addEventListener('keydown', event => {
          if (event.key === 'Enter') {
            event.preventDefault();
            void this.submit();
          }
        });
      }
    }
    this.prefix.addEventListener('change', () => this._edited('name'));
    this._ready = true;
    this._refresh();
  }

  /** The projects to offer, the given one selected (else the first). */
  setProjects(projects: string[], selected: string): void {
    const keep = this.project.value;
    this.project.replaceChildren(...projects.map(p => option(p, p)));
    const pick = [keep, selected].find(p => p && projects.includes(p));
    this.project.value = pick ?? projects[0] ?? '';
    if (this._ready) {
      this._refresh();
    }
  }

  /** Why Create cannot go now ('' when it can): its tooltip, and the dialog's button's. */
  get blocker(): string {
    return this._blocker;
  }

  /** Called whenever `blocker` may have changed (the dialog mirrors it on its own button). */
  onChange: () => void = () => undefined;

  /** What is wrong with each field now, by the create rules and by Run:ai's last refusal. */
  errors(): Partial<Record<Field, string>> {
    const errors: Partial<Record<Field, string>> = { ...this._refused };
    for (const field of FIELDS) {
      const text = this._fieldError(field);
      if (text) {
        errors[field] = text;
      }
    }
    return errors;
  }

  /** The create body, or null (its problems shown) when it has one. */
  body(): ICreateBody | null {
    this._tried = true;
    this._refresh();
    return this._blocker && this._blocker !== CREATED_ALREADY && this._blocker !== CREATING
      ? null
      : this._build();
  }

  /** Create, once however many clicks; true when Run:ai took it. */
  async submit(): Promise<boolean> {
    this._tried = true;
    this._refresh();
    if (this._blocker) {
      return false;
    }
    const body = this._build();
    if (!body) {
      return false;
    }
    this._inFlight = true;
    this._say('Creating…');
    this._refresh();
    try {
      const ws = await this._hooks.create(body);
      this._created = JSON.stringify(body);
      this._say(`Created ${ws.name} in ${ws.project ?? body.project}.`);
      this._hooks.created?.(ws);
      return true;
    } catch (e) {
      const error = asApiError(e).body;
      const issues = error.issues ?? [];
      for (const issue of issues) {
        const field = fieldOf(issue.field) as Field;
        if ((FIELDS as readonly string[]).includes(field)) {
          this._refused[field] = issue.details;
        }
      }
      const placed = issues.filter(i => (FIELDS as readonly string[]).includes(fieldOf(i.field)));
      if (placed.length) {
        this._say('Not created: see the marked fields.', true);
      } else {
        const said = forCreate(error, body.name, body.project);
        if (said.field && (FIELDS as readonly string[]).includes(said.field)) {
          this._refused[said.field as Field] = said.text;
        }
        this._say(said.text, true);
      }
      return false;
    } finally {
      this._inFlight = false;
      this._refresh();
    }
  }

  private _add(id: string, field: Field, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint = ''): void {
    const label = el('label', '', LABELS[field]);
    input.id = `${id}-${field}`;
    input.name = field;
    label.htmlFor = input.id;
    const error = el('div', 'jp-RunaiForm-error');
    error.id = `${id}-${field}-error`;
    error.dataset.field = field;
    const cell = el('div', `jp-RunaiForm-field jp-RunaiForm-field-${field}`);
    cell.append(input, error);
    if (hint) {
      input.title = hint;
    }
    this._inputs[field] = input;
    this._errors[field] = error;
    this.node.append(label, cell);
  }

  private _edited(field: Field): void {
    delete this._refused[field]; // what Run:ai said of it was about what it was
    this._say('');
    this._refresh();
  }

  private _say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.classList.toggle('jp-RunaiForm-error', error);
  }

  /** Show every error, then say whether Create can go and why not. */
  private _refresh(): void {
    const errors = this.errors();
    for (const field of FIELDS) {
      let text = errors[field] ?? '';
      if (!text && this._tried) {
        text = this._missing(field);
      }
      const input = this._inputs[field];
      const error = this._errors[field];
      if (error.textContent !== text) {
        error.textContent = text;
      }
      input.setAttribute('aria-invalid', text ? 'true' : 'false');
      if (text) {
        input.setAttribute('aria-describedby', error.id);
      } else {
        input.removeAttribute('aria-describedby');
      }
    }
    const wrong = FIELDS.filter(f => errors[f]);
    const missing = FIELDS.map(f => this._missing(f)).find(Boolean);
    if (this._inFlight) {
      this._blocker = CREATING;
    } else if (wrong.length) {
      this._blocker = `Fix ${wrong.map(f => LABELS[f]).join(', ')} first.`;
    } else if (missing) {
      this._blocker = missing;
    } else if (this._created !== null && this._created === JSON.stringify(this._build())) {
      this._blocker = CREATED_ALREADY;
    } else {
      this._blocker = '';
    }
    this.createButton.disabled = this._blocker !== '';
    this.createButton.title = this._blocker || 'Create this workspace';
    this.onChange();
  }

  /** What a required field that is empty lacks, or ''. */
  private _missing(field: Field): string {
    if (field === 'name' && !this.name.value.trim()) {
      return 'A name is required.';
    }
    if (field === 'project' && !this.project.value) {
      return 'A project is required (none is offered to you).';
    }
    if (field === 'image' && !this.image.value.trim()) {
      return 'An image is required.';
    }
    return '';
  }

  /** What is wrong with one field alone: its value in an otherwise valid body. */
  private _fieldError(field: Field): string {
    if (field === 'name') {
      const name = this.name.value.trim();
      return name ? (checkName(name, this.prefix.checked)?.details ?? '') : '';
    }
    if (field === 'project') {
      return '';
    }
    if (field === 'image') {
      const image = this.image.value.trim();
      const issue = image ? checkCreate({ name: 'x', project: 'p', image }) : null;
      return issue && fieldOf(issue.field) === 'image' ? issue.details : '';
    }
    const read = this._value(field);
    if ('field' in read) {
      return read.details;
    }
    if (read.value === undefined) {
      return '';
    }
    const issue = checkCreate({ name: 'x', project: 'p', image: 'x', [field]: read.value });
    return issue && fieldOf(issue.field) === field ? issue.details : '';
  }

  /** The body as typed (null when a field cannot be read); the rules decide if it may go. */
  private _build(): ICreateBody | null {
    const body: ICreateBody = {
      name: this.name.value.trim(),
      project: this.project.value || '',
      image: this.image.value.trim()
    };
    if (this.prefix.checked) {
      body.namePrefix = true;
    }
    for (const field of OPTIONAL) {
      const read = this._value(field);
      if ('field' in read) {
        return null;
      }
      if (read.value !== undefined) {
        (body as any)[field] = read.value;
      }
    }
    return checkCreate(body) ? null : body;
  }

  /** An optional field's value for the body (undefined: left out), or why it cannot be read. */
  private _value(field: (typeof OPTIONAL)[number]): { value?: unknown } | IIssue {
    switch (field) {
      case 'env': {
        const env = parseEnv(this.env.value);
        return 'field' in env ? env : { value: Object.keys(env.env).length ? env.env : undefined };
      }
      case 'tools': {
        const tools = parseTools(this.tools.value);
        return 'field' in tools ? tools : { value: tools.tools.length ? tools.tools : undefined };
      }
      case 'gpu':
      case 'cpu': {
        const text = this[field].value.trim();
        if (!text) {
          return { value: undefined };
        }
        const n = Number(text);
        return Number.isNaN(n) ? { field, details: `${text} is not a number` } : { value: n || undefined };
      }
      case 'memory':
        return { value: this.memory.value.trim() || undefined };
    }
  }

  private _inputs = {} as Record<Field, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>;
  private _errors = {} as Record<Field, HTMLDivElement>;
  /** What Run:ai said of a field at the last create, until that field is edited. */
  private _refused: Partial<Record<Field, string>> = {};
  private _toolsEdited = false;
  /** Whether Create (or a copy) was asked for: from then on, empty required fields are said. */
  private _tried = false;
  private _inFlight = false;
  /** The last body Run:ai took (Create waits for a change before another). */
  private _created: string | null = null;
  private _blocker = '';
  private _ready = false;
}

const CREATING = 'Creating…';
const CREATED_ALREADY = 'Created: change something to create another.';
