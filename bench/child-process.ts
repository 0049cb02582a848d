import { spawn, type ChildProcess } from 'node:child_process';

/** A JSON line a child printed (a result line, a pino log line). */
export type Line = Record<string, unknown>;

/** A child process whose stdout and stderr JSON lines are kept (results, pino log lines). */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  stdoutLines: Line[];
  stderrLines: Line[];
  stderrTail: () => string;
  /** Resolves with the first JSON line of the stream matching (also one seen before the call, from index `after`); rejects on timeout or exit. */
  waitFor(stream: 'stdout' | 'stderr', match: (line: Line) => boolean, timeoutMs: number, what: string, after?: number): Promise<Line>;
  exited: Promise<number | null>;
  /** SIGTERM, SIGKILL after the grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What a benchmark uses to start child processes and undo what it set up. */
export interface BenchProcesses {
  /** Starts `node [nodeFlags] args`, tracked until it exits. */
  startChild(name: string, args: string[], nodeFlags?: string[]): Child;
  /** Undo steps (stop a process, close a log, remove a directory), run newest first by `runCleanups`. */
  cleanups: (() => Promise<void> | void)[];
  /** Runs (and forgets) the cleanups registered after the first `keep` ones, newest first. */
  runCleanups(keep?: number): Promise<void>;
  /** SIGKILLs every child still running. */
  killAll(): void;
  /** A progress line on stderr, tagged with the benchmark's name (stdout holds the report). */
  progress(line: string): void;
}

/**
 * Tracks everything a benchmark starts, so a failure or Ctrl-C never leaves a process or a directory
 * behind: children are SIGKILLed on exit, and SIGINT/SIGTERM run the cleanups before exiting 130.
 */
export function benchProcesses(options: { tag: string; stopGraceMs: number }): BenchProcesses {
  const children = new Set<ChildProcess>();
  const cleanups: (() => Promise<void> | void)[] = [];
  const progress = (line: string): void => {
    process.stderr.write(`[${options.tag}] ${line}\n`);
  };
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // Passes run one after the other: a signal arriving during a pass waits for it, so the process never exits halfway through a cleanup.
  let pass: Promise<void> = Promise.resolve();
  const runCleanups = (keep = 0): Promise<void> => {
    pass = pass.then(async () => {
      while (cleanups.length > keep) {
        try {
          await cleanups.pop()!();
        } catch (error) {
          progress(`cleanup failed: ${(error as Error).message}`);
        }
      }
    });
    return pass;
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping child processes and removing temp dirs`);
      killAll();
      void runCleanups().finally(() => process.exit(130));
    });
  }
  const startChild = (name: string, args: string[], nodeFlags: string[] = []): Child => {
    const child = spawn(process.execPath, [...nodeFlags, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        children.delete(child);
        resolve(code);
      }),
    );
    return watchChild(name, child, exited, options.stopGraceMs);
  };
  return { startChild, cleanups, runCleanups, killAll, progress };
}

function watchChild(name: string, child: ChildProcess, exited: Promise<number | null>, stopGraceMs: number): Child {
  const lines = { stdout: [] as Line[], stderr: [] as Line[] };
  const tail: string[] = [];
  const waiters: { stream: 'stdout' | 'stderr'; match: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  const feed = (stream: 'stdout' | 'stderr'): void => {
    let rest = '';
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) {
        if (stream === 'stderr') {
          tail.push(text);
          if (tail.length > 20) tail.shift();
        }
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue;
        }
        lines[stream].push(line);
        for (const w of [...waiters]) {
          if (w.stream === stream && w.match(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
  };
  feed('stdout');
  feed('stderr');
  const stderrTail = (): string => (tail.length === 0 ? '(no stderr output)' : tail.join('\n'));
  return {
    name,
    process: child,
    pid: child.pid!,
    stdoutLines: lines.stdout,
    stderrLines: lines.stderr,
    stderrTail,
    exited,
    waitFor(stream, match, timeoutMs, what, after = 0) {
      const found = lines[stream].slice(after).find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: ${what} did not happen within ${timeoutMs / 1000} s; its stderr:\n${stderrTail()}`)), timeoutMs);
        waiters.push({ stream, match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before ${what}; its stderr:\n${stderrTail()}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Polls `count` until it reaches `target`, with a progress line every 2 s; fails when a watched child
 * exits or the count stops moving for `stallTimeoutMs`.
 */
export async function waitForCount(
  label: string,
  count: () => number,
  target: number,
  watched: Child[],
  options: { stallTimeoutMs: number; pollMs: number; progress: (line: string) => void },
): Promise<void> {
  let last = -1;
  let lastMoveAt = Date.now();
  let lastReportAt = Date.now();
  for (;;) {
    const n = count();
    if (n >= target) return;
    const now = Date.now();
    if (n !== last) {
      last = n;
      lastMoveAt = now;
    }
    if (now - lastReportAt >= 2000) {
      lastReportAt = now;
      options.progress(`${label}: ${n} / ${target}`);
    }
    for (const child of watched) {
      if (child.process.exitCode !== null) throw new Error(`${label}: ${child.name} exited (code ${child.process.exitCode}) at ${n} of ${target} records; its stderr:\n${child.stderrTail()}`);
    }
    if (now - lastMoveAt > options.stallTimeoutMs) {
      throw new Error(`${label}: stuck at ${n} of ${target} records for ${options.stallTimeoutMs / 1000} s (raise --stall-timeout-s on a busy machine); stderr of ${watched.map((c) => `${c.name}:\n${c.stderrTail()}`).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
