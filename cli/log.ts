import { Command, InvalidArgumentError } from 'commander';
import { decodeBatch } from '../core/log/batch.js';
import { openReadOnlyLog, type ReadOnlyLog } from '../core/log/read-only.js';
import { verifyLog } from '../core/log/verify.js';
import { DEAD_LETTER_ATTR } from '../core/record.js';
import { TributaryError } from '../core/errors.js';
import { logPath } from '../agent/agent.js';
import { ExitCode } from './exit-codes.js';

function offsetArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function openFromOptions(options: { dataDir?: string; file?: string }): ReadOnlyLog {
  const path = options.file ?? (options.dataDir ? logPath(options.dataDir) : undefined);
  if (!path) throw new TributaryError('ERR_CLI_USAGE', 'give --data-dir DIR (the flow\'s agent.data_dir) or --file PATH');
  return openReadOnlyLog(path);
}

/** Exits with a code matching the error: missing log -> 66, usage -> 64, anything else -> 70. */
function fail(error: unknown): never {
  const code = (error as { code?: string }).code;
  console.error(`error: ${(error as Error).message}`);
  process.exit(code === 'ERR_LOG_NOT_FOUND' ? ExitCode.noInput : code === 'ERR_CLI_USAGE' ? ExitCode.usage : ExitCode.software);
}

/** A `verifyLog` progress callback writing to stderr at most every `intervalMs`, and once at the end. */
function progressPrinter(enabled: boolean, intervalMs: number): ((checked: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  const started = Date.now();
  let last = started;
  return (checked, total) => {
    const now = Date.now();
    if (now - last < intervalMs && checked < total) return;
    last = now;
    const seconds = ((now - started) / 1000).toFixed(1);
    process.stderr.write(`verify: ${checked}/${total} batches (${Math.floor((100 * checked) / Math.max(1, total))}%), ${seconds} s\n`);
  };
}

function verifyCommand(): Command {
  return new Command('verify')
    .description('check every batch CRC and every partition counter of a durable log (read-only; safe while the agent runs)')
    .option('--data-dir <dir>', "the agent's data dir (agent.data_dir in the flow)")
    .option('--file <path>', 'the log file itself, instead of --data-dir')
    .option('--json', 'print the report as JSON')
    .option('--progress', 'print progress on stderr even when it is not a terminal (on a terminal it is on)')
    .option('--progress-interval-ms <ms>', 'at most one progress line this often', offsetArg, 1000)
    .addHelpText('after', `
Progress ("verify: CHECKED/TOTAL batches (P%)") goes to stderr about once a second on a large log; the
report goes to stdout.

Exit codes: ${ExitCode.ok} the log is consistent, ${ExitCode.problemsFound} problems found, ${ExitCode.usage} usage, ${ExitCode.noInput} no log there, ${ExitCode.software} internal error.

Example:
  tributary log verify --data-dir /var/lib/tributary/agent`)
    .action((options: { dataDir?: string; file?: string; json?: boolean; progress?: boolean; progressIntervalMs: number }) => {
      let log: ReadOnlyLog;
      try {
        log = openFromOptions(options);
      } catch (error) {
        fail(error);
      }
      const report = verifyLog(log.db, progressPrinter(options.progress === true || process.stderr.isTTY === true, options.progressIntervalMs));
      log.close();
      if (options.json) {
        console.log(JSON.stringify({ logId: log.logId, ...report }, null, 2));
      } else {
        console.log(`log ${log.logId}: ${report.partitions} partitions, ${report.batches} batches, ${report.records} records, ${report.bytes} bytes, ${report.quarantined} quarantined`);
        for (const p of report.problems) console.log(`partition ${p.partition}${p.baseOffset === undefined ? '' : ` offset ${p.baseOffset}`}: ${p.message}`);
        console.log(report.problems.length === 0 ? 'ok' : `${report.problems.length} problem(s) found`);
      }
      process.exitCode = report.problems.length === 0 ? ExitCode.ok : ExitCode.problemsFound;
    });
}

function dumpCommand(): Command {
  return new Command('dump')
    .description('print records of a durable log as JSON lines: {partition, offset, key, ts, value, attrs}')
    .option('--data-dir <dir>', "the agent's data dir (agent.data_dir in the flow)")
    .option('--file <path>', 'the log file itself, instead of --data-dir')
    .option('--partition <n>', 'only this partition (default: all)', offsetArg)
    .option('--from <offset>', 'first offset (inclusive)', offsetArg, 0)
    .option('--to <offset>', 'last offset (exclusive)', offsetArg)
    .option('--dead-letters', 'only dead letters (bad frames, records that failed a processor)')
    .addHelpText('after', '\nExample:\n  tributary log dump --data-dir ./data/gps --partition 0 --from 100 --to 200')
    .action((options: { dataDir?: string; file?: string; partition?: number; from: number; to?: number; deadLetters?: boolean }) => {
      let log: ReadOnlyLog;
      try {
        log = openFromOptions(options);
      } catch (error) {
        fail(error);
      }
      const partitions = options.partition === undefined ? log.partitions : [options.partition];
      if (options.partition !== undefined && !log.partitions.includes(options.partition)) {
        log.close();
        fail(new TributaryError('ERR_CLI_USAGE', `partition ${options.partition} does not exist (the log has ${log.partitions.length})`));
      }
      const to = options.to ?? Number.MAX_SAFE_INTEGER;
      const out: string[] = [];
      const flush = () => {
        if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
        out.length = 0;
      };
      for (const partition of partitions) {
        for (const { batch, crcOk, quarantined } of log.batches(partition, options.from, to)) {
          if (!crcOk || quarantined) {
            console.error(`partition ${partition} offset ${batch.baseOffset}: corrupt batch of ${batch.count} records skipped`);
            continue;
          }
          const records = decodeBatch(batch.body, batch.codec);
          records.forEach((record, i) => {
            const offset = batch.baseOffset + i;
            if (offset < options.from || offset >= to) return;
            if (options.deadLetters && record.attrs[DEAD_LETTER_ATTR] === undefined) return;
            out.push(JSON.stringify({ partition, offset, ...record }));
          });
          if (out.length >= 1000) flush();
        }
      }
      flush();
      log.close();
    });
}

/** `tributary log ...`: inspect an agent's (or the hub's) durable log. */
export function logCommand(): Command {
  return new Command('log')
    .description('inspect a durable log: verify its integrity, dump its records')
    .addCommand(verifyCommand())
    .addCommand(dumpCommand());
}
