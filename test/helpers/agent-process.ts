import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = `${root}dist/cli/tributary.js`;

/** A `tributary` process started by a test, with its JSON log lines collected. */
export interface CliProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stdout: string[];
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the stdout so far once it matches, or rejects after timeoutMs or when the process exits. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `tributary ARGS...` from the build in dist/ (run `npm run build` first; `npm test` does). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" before the integration tests`);
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const stdout: string[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let rest = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    logs,
    stdout,
    exited,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = stdout.join('');
        if (pattern.test(text)) return text;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before printing ${pattern}; stdout:\n${text}`);
        if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms; stdout:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    waitForLog(match, timeoutMs = 15_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
        waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
        void exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`process exited (code ${code}, signal ${signal}) before the log line; last lines:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`)); });
      });
    },
  };
}
