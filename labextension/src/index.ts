/**
 * jupyter-runai's JupyterLab extension: the Run:ai workspaces sidebar, its commands, settings
 * and notifications. Only optional tokens beyond the application, so it works in Notebook 7.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Clipboard, Dialog, ICommandPalette, Notification, showDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';
import iconSvg from '../style/icon.svg';
import { ICreateBody, pythonCall } from './copyas';
import { openCreateDialog } from './dialog';
import { Notice, PendingWatch, deleteWarning, noticeFor } from './model';
import { RunaiSidebar, SIDEBAR_ID, statusProblem } from './sidebar';
import { ApiError, WorkspaceService } from './service';
import { IProblem } from './status';

// the npm package's version, checked against the server extension's (one version for both)
const VERSION: string = require('../package.json').version;

export const PLUGIN_ID = 'jupyter-runai:plugin';

/** "45 s", "6 min": how long a workspace has waited. */
function waited(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

export namespace CommandIDs {
  export const open = 'jupyter-runai:open';
  export const newWorkspace = 'jupyter-runai:new-workspace';
  export const refresh = 'jupyter-runai:refresh';
}

export const runaiIcon = new LabIcon({ name: 'jupyter-runai:icon', svgstr: iconSvg });

interface ISettings {
  notifications: boolean;
  pendingThreshold: number;
  defaultProject: string;
  openOnStartup: boolean;
}

const DEFAULTS: ISettings = {
  notifications: true,
  pendingThreshold: 300,
  defaultProject: '',
  openOnStartup: false
};

/** A request below `{base_url}runai/api/`, with Jupyter's auth and XSRF handling. */
function requester(): (path: string, init: RequestInit) => Promise<Response> {
  const settings = ServerConnection.makeSettings();
  return (path, init) =>
    ServerConnection.makeRequest(URLExt.join(settings.baseUrl, 'runai', 'api', path), init, settings);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Run:ai GPU workspaces in a sidebar: live, with actions, a create dialog and notifications.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ) => {
    const settings: ISettings = { ...DEFAULTS };
    const service = new WorkspaceService(requester());
    let serverDefaultProject = '';
    let serverDefaultGpu = 1;
    let simulated = false;

    const copy = (text: string, what: string) => {
      Clipboard.copyToSystem(text);
      Notification.info(`Copied ${what} to the clipboard.`, { autoClose: 3000 });
    };
    // The notebook in the main area, duck-typed: importing @jupyterlab/notebook for its tracker
    // token would add 200 MB of node_modules (mermaid) for one call.
    const insert = async (body: ICreateBody) => {
      const panel = app.shell.currentWidget as any;
      const notebook = panel?.content;
      if (!notebook || typeof notebook.activeCellIndex !== 'number' || !notebook.model?.cells) {
        Notification.warning('Open a notebook first: the Python call goes below its active cell.', {
          autoClose: 5000
        });
        return;
      }
      await app.commands.execute('notebook:insert-cell-below');
      notebook.activeCell?.model.sharedModel.setSource(pythonCall(body));
      app.shell.activateById(panel.id);
    };
    const newWorkspace = async () => {
      let projects: string[] = [];
      try {
        projects = await service.projects();
      } catch (e) {
        Notification.error(
          `Cannot list your projects: ${e instanceof ApiError ? e.message : e}`,
          { autoClose: false }
        );
        return;
      }
      await openCreateDialog({
        projects,
        defaultProject: settings.defaultProject || serverDefaultProject,
        defaultGpu: serverDefaultGpu,
        create: body => service.create(body),
        copy,
        insert: body => void insert(body),
        created: ws =>
          Notification.success(`Created ${ws.name} in ${ws.project}.`, { autoClose: 4000 })
      });
    };

    const sidebar = new RunaiSidebar(service, {
      copy,
      insert: body => void insert(body),
      newWorkspace: () => void newWorkspace(),
      refresh: () => void connect(),
      confirmDelete: async ws => {
        const answer = await showDialog({
          title: `Delete ${ws.name}?`,
          body: deleteWarning(ws),
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
        });
        return answer.button.accept;
      },
      failed: (_, text) => Notification.error(text, { autoClose: false })
    });
    sidebar.title.icon = runaiIcon;
    app.shell.add(sidebar, 'left', { rank: 1000 });
    restorer?.add(sidebar, SIDEBAR_ID);

    /** The startup check; whether a stream can bring the list (not without an extension, or
     * with one not configured: reconnecting cannot fix those). */
    const check = async (): Promise<boolean> => {
      let problem: IProblem | null;
      try {
        const status = await service.status();
        serverDefaultProject = status.default_project ?? '';
        serverDefaultGpu = status.default_gpu ?? 1;
        simulated = status.simulated;
        problem = statusProblem(status, null, VERSION);
        sidebar.setStatus(problem, status.simulated);
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(0, { message: String(e), reason: 'http', upstream_status: null });
        problem = statusProblem(null, { status: err.status, message: err.message }, VERSION);
        sidebar.setStatus(problem, false);
      }
      return !problem?.blocking;
    };
    /** Check, then stream (again, at once) or stop streaming. */
    const connect = async (): Promise<void> => {
      if (await check()) {
        service.reconnect();
      } else {
        service.dispose();
      }
    };

    // notifications: from the shared stream, so each change is told once per tab
    const pending = new PendingWatch();
    const tell = (notice: Notice) => {
      if (!settings.notifications) {
        return;
      }
      const ws = notice.ws;
      const where = ws.project ? ` (${ws.project})` : '';
      switch (notice.kind) {
        case 'running':
          if (simulated) {
            // no tool runs behind a simulated workspace's links: nothing to open
            Notification.success(`${ws.name}${where} is Running (simulated: no tools to open).`, {
              autoClose: 8000
            });
            break;
          }
          Notification.success(`${ws.name}${where} is Running.`, {
            autoClose: 8000,
            actions: notice.links.map(link => ({
              label: `Open ${link.label}`,
              callback: () => window.open(link.url, '_blank', 'noopener')
            }))
          });
          break;
        case 'failed':
          Notification.error(
            `${ws.name}${where} Failed${ws.phaseMessage ? `: ${ws.phaseMessage}` : '.'}`,
            { autoClose: false }
          );
          break;
        case 'stopped':
          Notification.info(`${ws.name}${where} is Stopped; its GPUs are free.`, { autoClose: 5000 });
          break;
        case 'pending':
          Notification.warning(
            `${ws.name}${where} has been Pending for ${waited(notice.seconds)}: ${notice.reason}`,
            { autoClose: false }
          );
          break;
      }
    };
    service.workspaceChanged.connect((_, change) => {
      if (change.after) {
        const notice = noticeFor(change.before, change.after);
        if (notice) {
          tell(notice);
        }
      }
    });
    const watchPending = () => {
      const now = Date.now();
      pending.update(service.workspaces.values(), now);
      for (const notice of pending.due(service.workspaces, now, settings.pendingThreshold)) {
        tell(notice);
      }
    };
    service.changed.connect(watchPending);
    window.setInterval(watchPending, 5000);

    app.commands.addCommand(CommandIDs.open, {
      label: 'Run:ai: Show Workspaces',
      caption: 'Show the Run:ai workspaces sidebar',
      icon: runaiIcon,
      execute: () => app.shell.activateById(SIDEBAR_ID)
    });
    app.commands.addCommand(CommandIDs.newWorkspace, {
      label: 'Run:ai: New Workspace…',
      caption: 'Create a Run:ai workspace',
      execute: () => newWorkspace()
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Run:ai: Refresh Workspaces',
      caption: 'Reconnect the live list and check the server extension again',
      execute: () => connect()
    });
    for (const command of [CommandIDs.open, CommandIDs.newWorkspace, CommandIDs.refresh]) {
      palette?.addItem({ command, category: 'Run:ai' });
    }

    const apply = (values: Partial<ISettings>) => Object.assign(settings, DEFAULTS, values);
    const started = (async () => {
      if (registry) {
        try {
          const loaded = await registry.load(PLUGIN_ID);
          apply(loaded.composite as Partial<ISettings>);
          loaded.changed.connect(() => apply(loaded.composite as Partial<ISettings>));
        } catch (e) {
          console.warn('jupyter-runai: settings not loaded, using the defaults', e);
        }
      }
      await app.restored;
      if (settings.openOnStartup) {
        app.shell.activateById(SIDEBAR_ID);
      }
    })();
    void started;
    void connect();
  }
};

export default plugin;
