/** The New workspace dialog: a JupyterLab Dialog around CreateForm that stays open on an error
 * (shown next to its field), creates once per click (Create is disabled while in flight), and
 * copies the same create as a runai command, a %runai line or Python. */
import { Dialog } from '@jupyterlab/apputils';
import { COPY_FORMATS, ICreateBody, render } from './copyas';
import { CreateForm } from './form';
import { IWorkspace } from './model';
import { ApiError, WorkspaceService } from './service';

export interface ICreateDialogOptions {
  service: WorkspaceService;
  projects: string[];
  defaultProject: string;
  copy(text: string, what: string): void;
  insert(body: ICreateBody): void | Promise<void>;
  created(ws: IWorkspace): void;
}

const CREATE = 1; // the Create button's index (after Cancel)

export class CreateDialog extends Dialog<ICreateBody | null> {
  constructor(
    readonly form: CreateForm,
    private readonly _options: ICreateDialogOptions
  ) {
    super({
      title: 'New Run:ai workspace',
      body: form,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })],
      defaultButton: CREATE,
      focusNodeSelector: 'input[name="name"]'
    });
    this.addClass('jp-RunaiCreateDialog');
    for (const { format, label } of COPY_FORMATS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'jp-RunaiCopyButton';
      b.textContent = `Copy as ${label}`;
      b.dataset.format = format;
      b.addEventListener('click', () => {
        const body = form.checked();
        if (body) {
          _options.copy(render(format, body), `the ${label} create`);
        }
      });
      form.copyRow.append(b);
    }
    const insert = document.createElement('button');
    insert.type = 'button';
    insert.textContent = 'Insert Python in notebook';
    insert.addEventListener('click', () => {
      const body = form.checked();
      if (body) {
        void _options.insert(body);
      }
    });
    form.copyRow.append(insert);
  }

  /** Cancel closes; Create closes only once the server has created the workspace. */
  resolve(index?: number): void {
    if ((index ?? CREATE) !== CREATE) {
      super.resolve(index);
      return;
    }
    if (this._inFlight) {
      return;
    }
    void this._create();
  }

  private get _createButton(): HTMLButtonElement | null {
    return this.node.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')[CREATE] ?? null;
  }

  private async _create(): Promise<void> {
    const body = this.form.checked();
    if (!body) {
      return;
    }
    this._inFlight = true;
    const button = this._createButton;
    if (button) {
      button.disabled = true;
    }
    this.form.say('Creating…');
    try {
      const ws = await this._options.service.create(body);
      this._options.created(ws);
      super.resolve(CREATE);
    } catch (e) {
      if (e instanceof ApiError) {
        const placed = (e.body.issues ?? []).map(i => this.form.place(i)).some(Boolean);
        this.form.say(
          placed ? 'Not created: see the fields marked in red.' : `Not created: ${e.message}`,
          true
        );
      } else {
        this.form.say(`Not created: ${e}`, true);
      }
    } finally {
      this._inFlight = false;
      if (button) {
        button.disabled = false;
      }
    }
  }

  private _inFlight = false;
}

export async function openCreateDialog(options: ICreateDialogOptions): Promise<void> {
  const form = new CreateForm(options.projects, options.defaultProject);
  const dialog = new CreateDialog(form, options);
  try {
    await dialog.launch();
  } finally {
    dialog.dispose();
  }
}
