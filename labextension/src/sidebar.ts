/** The left sidebar: JupyterLab's frame (a Lumino widget, its tab and icon) around the one
 * workspace list (components/list.ts), which the notebook panel shows too. */
import { Widget } from '@lumino/widgets';
import { IBackend } from './backend';
import { IListHooks, WorkspaceList } from './components/list';
import { IProblem } from './status';

export { statusProblem } from './status';

export const SIDEBAR_ID = 'jupyter-runai-sidebar';

export class RunaiSidebar extends Widget {
  readonly list: WorkspaceList;

  constructor(backend: IBackend, hooks: IListHooks) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-RunaiSidebar');
    this.title.caption = 'Run:ai workspaces';
    this.list = new WorkspaceList(backend, hooks);
    this.node.append(this.list.node);
  }

  /** Show the startup check's result (see WorkspaceList.setStatus). */
  setStatus(problem: IProblem | null, simulated: boolean): void {
    this.list.setStatus(problem, simulated);
  }

  dispose(): void {
    this.list.dispose();
    super.dispose();
  }
}
