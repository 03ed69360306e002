/** The sidebar's New workspace dialog: JupyterLab's Dialog around the one create form
 * (components/form.ts), its footer's Create mirroring the form's (disabled, with the reason in
 * its tooltip, until there is something valid and new to create). It closes once Run:ai has
 * taken the workspace; an error keeps it open, beside its field. */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { CreateForm, IFormHooks } from './components/form';

export interface ICreateDialogOptions extends IFormHooks {
  projects: string[];
  defaultProject: string;
  defaultGpu: number;
}

const CREATE = 1; // the Create button's index (after Cancel)

export class CreateDialog extends Dialog<null> {
  constructor(readonly form: CreateForm) {
    super({
      title: 'New Run:ai workspace',
      body: new Widget({ node: form.node }),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })],
      defaultButton: CREATE,
      focusNodeSelector: 'input[name="name"]'
    });
    this.addClass('jp-RunaiCreateDialog');
    // JupyterLab styles a dialog body's buttons as its own footer's (tall): the Copy as row
    // keeps the form's small buttons
    for (const button of form.copyRow.querySelectorAll('button')) {
      button.classList.remove('jp-mod-styled');
    }
    form.onChange = () => this._mirror();
    this._mirror();
  }

  /** Cancel closes; Create closes only once Run:ai has created the workspace. */
  resolve(index?: number): void {
    if ((index ?? CREATE) !== CREATE) {
      super.resolve(index);
      return;
    }
    void this.form.submit().then(created => {
      if (created) {
        super.resolve(CREATE);
      }
    });
  }

  private _mirror(): void {
    const button = this.node.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')[CREATE];
    if (button) {
      button.disabled = this.form.blocker !== '';
      button.title = this.form.createButton.title;
    }
  }
}

export async function openCreateDialog(options: ICreateDialogOptions): Promise<void> {
  const form = new CreateForm(options, {
    projects: options.projects,
    defaultProject: options.defaultProject,
    defaultGpu: options.defaultGpu,
    ownButton: false
  });
  const dialog = new CreateDialog(form);
  try {
    await dialog.launch();
  } finally {
    dialog.dispose();
  }
}
