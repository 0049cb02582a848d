import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TributaryError } from '../../core/errors.js';

/** A virtual null-modem cable: two ptys joined by socat, reachable through stable symlinks. */
export interface PtyPair {
  /** The end the agent opens (`<dir>/dev`), as it would open /dev/ttyUSB0. */
  readonly devicePath: string;
  /** The end the simulated device writes to (`<dir>/sim`). */
  readonly simPath: string;
  readonly dir: string;
  /** Kills socat; both links disappear, as a device does when unplugged. */
  close(): Promise<void>;
  /** Resolves when socat exits, for whatever reason. */
  readonly exited: Promise<void>;
}

export interface PtyPairOptions {
  /** Directory for the `dev` and `sim` links; a new temporary one (removed on close) when absent. */
  dir?: string;
  /** How long socat may take to create both links. */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts `socat` with two raw ptys linked at `<dir>/dev` and `<dir>/sim`; resolves when both links exist. */
export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tributary-pty-'));
  mkdirSync(dir, { recursive: true });
  const devicePath = join(dir, 'dev');
  const simPath = join(dir, 'sim');
  // A socat killed with SIGKILL leaves its links behind; they would point at someone else's pty.
  removeStaleLink(devicePath);
  removeStaleLink(simPath);

  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${simPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackForExit(socat);
  let stderr = '';
  socat.stderr?.setEncoding('utf8');
  socat.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => socat.once('error', resolve));

  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  let failure: Error | undefined;
  void spawnError.then((error) => (failure = error));
  void exited.then(() => (failure ??= new Error(`socat exited early: ${stderr.trim() || 'no output'}`)));
  while (!(exists(devicePath) && exists(simPath))) {
    if (failure) break;
    if (Date.now() > deadline) {
      failure = new TributaryError('ERR_SIM_PTY_TIMEOUT', `socat did not create ${devicePath} and ${simPath} within ${timeoutMs} ms: ${stderr.trim()}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (failure) {
    socat.kill('SIGKILL');
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    if ((failure as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TributaryError(
        'ERR_SIM_SOCAT_MISSING',
        'socat is not installed; simulated serial devices need it: install the "socat" package (apt-get install socat)',
        { cause: failure },
      );
    }
    throw failure instanceof TributaryError ? failure : new TributaryError('ERR_SIM_PTY_FAILED', `cannot create a pty pair: ${failure.message}`, { cause: failure });
  }

  let closing: Promise<void> | undefined;
  return {
    devicePath,
    simPath,
    dir,
    exited,
    close() {
      closing ??= (async () => {
        if (socat.exitCode === null && socat.signalCode === null) {
          socat.kill('SIGTERM');
          const killer = setTimeout(() => socat.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(killer);
        }
        removeStaleLink(devicePath);
        removeStaleLink(simPath);
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** socat outlives a Node process that exits without closing its pairs; kill what is left on exit. */
function trackForExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
