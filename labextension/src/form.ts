/** The New workspace form: the notebook form's fields, its rules (validate.ts, generated from
 * create_body.py) and its messages, each error next to its field. */
import { Widget } from '@lumino/widgets';
import { ICreateBody } from './copyas';
import {
  IIssue,
  checkCreate,
  checkName,
  defaultTools,
  fieldOf,
  formatTools,
  parseEnv,
  parseTools
} from './validate';

export const FIELDS = ['name', 'project', 'image', 'gpu', 'cpu', 'memory', 'tools', 'env'] as const;
export type Field = (typeof FIELDS)[number];
/** The fields a create body may leave out, in the order their text is read (env first). */
const OPTIONAL = ['env', 'tools', 'gpu', 'cpu', 'memory'] as const;

export const IMAGE_PRESETS = [
  'jupyter/scipy-notebook',
  'jupyter/pytorch-notebook',
  'jupyter/tensorflow-notebook',
  'python:3.11'
];

export class CreateForm extends Widget {
  constructor(projects: string[], defaultProject: string) {
    super();
    this.addClass('jp-RunaiForm');
    this.node.classList.add('jp-RunaiSidebar');
    const add = (field: Field, label: string, input: HTMLElement) => {
      const l = document.createElement('label');
      l.textContent = label;
      l.htmlFor = input.id = `jp-RunaiForm-${field}`;
      const cell = document.createElement('div');
      const error = document.createElement('div');
      error.className = 'jp-RunaiForm-error';
      error.dataset.field = field;
      error.setAttribute('aria-live', 'polite');
      this._errors[field] = error;
      cell.append(input, error);
      this.node.append(l, cell);
    };
    this.name.type = 'text';
    this.name.placeholder = 'my-notebook';
    this.name.name = 'name';
    add('name', 'Name', this.name);
    this.prefix.type = 'checkbox';
    this.prefix.name = 'namePrefix';
    const prefixLabel = document.createElement('label');
    prefixLabel.append(this.prefix, document.createTextNode(' use the name as a prefix'));
    this.node.append(document.createElement('span'), prefixLabel);
    this.project.name = 'project';
    for (const p of projects) {
      const o = document.createElement('option');
      o.value = o.textContent = p;
      this.project.append(o);
    }
    this.project.value = projects.includes(defaultProject) ? defaultProject : projects[0] ?? '';
    add('project', 'Project', this.project);
    this.image.type = 'text';
    this.image.name = 'image';
    this.image.value = IMAGE_PRESETS[0];
    const list = document.createElement('datalist');
    list.id = 'jp-RunaiForm-images';
    for (const p of IMAGE_PRESETS) {
      const o = document.createElement('option');
      o.value = p;
      list.append(o);
    }
    this.image.setAttribute('list', list.id);
    this.node.append(list);
    add('image', 'Image', this.image);
    for (const [input, value] of [
      [this.gpu, '0'],
      [this.cpu, '1']
    ] as [HTMLInputElement, string][]) {
      // no min/step: the browser would mark values invalid silently (and grey Create out) where
      // our rules, checked as you type, say what is wrong next to the field
      input.type = 'number';
      input.step = 'any';
      input.value = value;
    }
    this.gpu.name = 'gpu';
    this.cpu.name = 'cpu';
    add('gpu', 'GPUs', this.gpu);
    add('cpu', 'CPU cores', this.cpu);
    this.memory.type = 'text';
    this.memory.name = 'memory';
    this.memory.placeholder = 'e.g. 8G';
    add('memory', 'Memory', this.memory);
    this.tools.type = 'text';
    this.tools.name = 'tools';
    this.tools.placeholder = 'e.g. jupyter:8888, tensorboard:6006';
    this.tools.value = formatTools(defaultTools(this.image.value));
    add('tools', 'Tools', this.tools);
    // the default follows the image (a Jupyter image gets jupyter:8888) until the user edits it
    this.tools.addEventListener('input', () => (this._toolsEdited = true));
    this.image.addEventListener('input', () => {
      if (!this._toolsEdited) {
        this.tools.value = formatTools(defaultTools(this.image.value));
      }
    });
    this.env.name = 'env';
    this.env.rows = 2;
    this.env.placeholder = 'KEY=value, one per line';
    add('env', 'Environment', this.env);
    this.message.className = 'jp-RunaiForm-message';
    this.message.setAttribute('role', 'status');
    this.node.append(this.message);
    this.copyRow.className = 'jp-RunaiForm-copy';
    this.node.append(this.copyRow);
    // every field is checked as you type (an empty name or image only at Create)
    for (const field of FIELDS) {
      const input = this.node.querySelector(`#jp-RunaiForm-${field}`);
      input?.addEventListener('input', () => this.showError(field, this.fieldError(field)));
      input?.addEventListener('change', () => this.showError(field, this.fieldError(field)));
    }
    this.prefix.addEventListener('change', () => this.showError('name', this.fieldError('name')));
  }

  /** What is wrong with one field alone, by the create rules (validate.ts): its value in an
   * otherwise valid body. '' when nothing is, or when it is empty and required (said at Create). */
  fieldError(field: Field): string {
    if (field === 'name') {
      const name = this.name.value.trim();
      return name ? (checkName(name, this.prefix.checked)?.details ?? '') : '';
    }
    if (field === 'project' || field === 'image') {
      return '';
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

  showError(field: Field, text: string): void {
    this._errors[field].textContent = text;
    const input = this.node.querySelector(`#jp-RunaiForm-${field}`);
    if (input) {
      input.setAttribute('aria-invalid', text ? 'true' : 'false');
    }
  }

  clearErrors(): void {
    for (const f of FIELDS) {
      this.showError(f, '');
    }
    this.say('');
  }

  say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.className = 'jp-RunaiForm-message' + (error ? ' jp-RunaiForm-error' : '');
  }

  /** Put an issue next to its field; false when it names no field of the form. */
  place(issue: IIssue): boolean {
    const field = fieldOf(issue.field) as Field;
    if (!(FIELDS as readonly string[]).includes(field)) {
      return false;
    }
    this.showError(field, issue.details);
    return true;
  }

  /** The create body, built as the notebook form builds it. */
  body(): { body: ICreateBody } | IIssue {
    const body: ICreateBody = {
      name: this.name.value.trim(),
      project: this.project.value || '',
      image: this.image.value.trim(),
      namePrefix: this.prefix.checked
    };
    for (const field of OPTIONAL) {
      const read = this._value(field);
      if ('field' in read) {
        return read;
      }
      if (read.value !== undefined) {
        (body as any)[field] = read.value;
      }
    }
    return { body };
  }

  /** An optional field's value for the create body (undefined: empty, left out), or why its
   * text cannot be read. */
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
      case 'cpu':
        return { value: Number(this[field].value || 0) || undefined };
      case 'memory':
        return { value: this.memory.value.trim() || undefined };
    }
  }

  /** The body if every rule holds, else null with the error shown next to its field. */
  checked(): ICreateBody | null {
    this.clearErrors();
    const built = this.body();
    if ('field' in built) {
      this.place(built);
      return null;
    }
    const issue = checkCreate(built.body);
    if (issue) {
      if (!this.place(issue)) {
        this.say(`${issue.field}: ${issue.details}`, true);
      }
      return null;
    }
    return built.body;
  }

  readonly name = document.createElement('input');
  readonly prefix = document.createElement('input');
  readonly project = document.createElement('select');
  readonly image = document.createElement('input');
  readonly gpu = document.createElement('input');
  readonly cpu = document.createElement('input');
  readonly memory = document.createElement('input');
  readonly tools = document.createElement('input');
  readonly env = document.createElement('textarea');
  readonly message = document.createElement('div');
  readonly copyRow = document.createElement('div');
  private _errors = {} as Record<Field, HTMLDivElement>;
  private _toolsEdited = false;
}
