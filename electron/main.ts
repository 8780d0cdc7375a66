/**
 * The Electron shell: app lifecycle, the window, the menu, native dialogs, and the wiring of
 * the core's one API (src-main/api) to IPC. Everything else lives in src-main, which never
 * imports electron; this file stays small enough to read in one sitting.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IMAGE_PROTOCOL, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PICK_PATH_CHANNEL } from '../src-main/api/bridge.js';
import { z } from 'zod';
import { AppCore } from '../src-main/api/core.js';
import { dispatch } from '../src-main/api/dispatch.js';
import { toApiError } from '../src-main/api/errors.js';
import { deliverImage, IMAGE_VARIANTS, type ImageVariant } from '../src-main/api/image-delivery.js';
import { setPdfRenderer } from '../src-main/report/report-pdf.js';
import { createElectronPdfRenderer } from './pdf-renderer.js';
import { hardenSession, hardenWindow, isTrustedSender } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const appRoot = path.resolve(here, '..', '..');
const rendererIndex = path.join(appRoot, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

/**
 * better-sqlite3 built for Electron's ABI (made on the user's machine by `npm run
 * rebuild:electron`, unpacked from the asar when packaged). Workers inherit the variable.
 */
function useElectronSqliteBinding(): void {
  // Packaged: the real file next to the asar first (a native module is loaded from disk).
  const candidates = [
    ...(app.isPackaged ? [path.join(process.resourcesPath, 'app.asar.unpacked', 'native', 'electron', 'better_sqlite3.node')] : []),
    path.join(appRoot, 'native', 'electron', 'better_sqlite3.node'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (found) process.env.OCTDINO_SQLITE_BINDING = found;
}

function projectFromArgs(argv: string[]): string | undefined {
  const i = argv.indexOf('--project');
  return i >= 0 ? argv[i + 1] : undefined;
}

protocol.registerSchemesAsPrivileged([{ scheme: IMAGE_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | null = null;
let core: AppCore | null = null;

function buildMenu(): void {
  const openProject = async (): Promise<void> => {
    if (!mainWindow || !core) return;
    const choice = await dialog.showOpenDialog(mainWindow, { title: 'Open or create a project folder', properties: ['openDirectory', 'createDirectory'] });
    const dir = choice.filePaths[0];
    if (choice.canceled || !dir) return;
    try {
      if (existsSync(path.join(dir, 'project.sqlite'))) core.openProject(dir);
      else core.createProject(dir);
    } catch (err) {
      dialog.showErrorBox('Cannot open project', toApiError(err).message);
    }
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { label: 'File', submenu: [{ label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => void openProject() }, { type: 'separator' }, { role: 'quit' }] },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'OCT DINO Studio',
    icon: path.join(appRoot, 'resources', 'icon.png'),
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  hardenWindow(mainWindow, rendererUrl);
  void mainWindow.loadFile(rendererIndex);
  mainWindow.on('closed', () => (mainWindow = null));
}

async function start(): Promise<void> {
  useElectronSqliteBinding();
  await app.whenReady();
  hardenSession();
  // reports.create with format 'pdf' prints with Electron's Chromium, not a system browser.
  setPdfRenderer(createElectronPdfRenderer());
  core = new AppCore({ appHome: app.getPath('userData') });
  const requested = projectFromArgs(process.argv);
  try {
    if (requested) core.openProject(requested);
    else core.openDemoProject();
  } catch (err) {
    dialog.showErrorBox('Cannot open project', toApiError(err).message);
  }

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, input: unknown) => {
    if (!core || !isTrustedSender(event.sender, event.senderFrame?.url, mainWindow, rendererUrl)) {
      return { ok: false, error: { code: 'invalid_input', message: 'Refused: call from an untrusted frame' } };
    }
    if (typeof method !== 'string') return { ok: false, error: { code: 'invalid_input', message: 'Method must be a string' } };
    return dispatch(core, method, input);
  });
  core.on('event', (event) => mainWindow?.webContents.send(IPC_EVENT_CHANNEL, event));

  const pickPathRequest = z
    .object({
      kind: z.enum(['folder', 'file']),
      title: z.string().max(200),
      filters: z.array(z.object({ name: z.string().max(100), extensions: z.array(z.string().regex(/^[a-z0-9]{1,8}$/i)).max(20) })).max(10).optional(),
    })
    .strict();
  ipcMain.handle(IPC_PICK_PATH_CHANNEL, async (event, raw: unknown) => {
    const request = pickPathRequest.safeParse(raw);
    if (!mainWindow || !request.success || !isTrustedSender(event.sender, event.senderFrame?.url, mainWindow, rendererUrl)) return null;
    const { kind, title, filters } = request.data;
    const choice = await dialog.showOpenDialog(mainWindow, {
      title,
      properties: kind === 'folder' ? ['openDirectory'] : ['openFile'],
      ...(filters ? { filters } : {}),
    });
    return choice.canceled ? null : (choice.filePaths[0] ?? null);
  });

  // octdino-image://image/<id>/<variant>: by id only, never a path from the renderer.
  protocol.handle(IMAGE_PROTOCOL, async (request) => {
    const [idText, variant] = new URL(request.url).pathname.replace(/^\//, '').split('/');
    const id = Number(idText);
    const project = core?.project;
    if (!project || !Number.isInteger(id) || !(IMAGE_VARIANTS as readonly string[]).includes(variant ?? '')) {
      return new Response('Not found', { status: 404 });
    }
    const image = await deliverImage(project, id, variant as ImageVariant);
    return new Response(new Uint8Array(image.body), { status: image.status, headers: { 'content-type': image.contentType, ...image.headers } });
  });

  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => core?.dispose());

void start();
