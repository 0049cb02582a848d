import { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { FlowValidationError, loadFlow } from '../agent/flow/load.js';
import { defaultRegistries, type FlowRegistries } from '../agent/flow/registries.js';
import { ExitCode } from './exit-codes.js';

/** Where `validate` writes: stdout for results, stderr for problems (tests capture them). */
export interface ValidateOutput {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: ValidateOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Validates each flow file and returns the exit code: 0 all valid, 66 a file could not be read,
 * 78 a file is invalid (66 wins: a file that was not read was not checked at all).
 */
export function validateFiles(files: string[], output: ValidateOutput = processOutput, registries: FlowRegistries = defaultRegistries): number {
  let unreadable = false;
  let invalid = false;
  let broken = false;
  for (const file of files) {
    try {
      const flow = loadFlow(file, registries);
      output.out(`${file}: ok (${count(Object.keys(flow.sources).length, 'source')}, ${count(Object.keys(flow.processors).length, 'processor')}, ${count(flow.buffer.partitions, 'partition')})`);
    } catch (error) {
      if (error instanceof FlowValidationError) {
        invalid = true;
        output.err(error.message);
        output.err(`${file}: invalid (${count(error.problems.length, 'problem')})`);
      } else if ((error as { code?: string }).code === 'ERR_FLOW_NOT_FOUND') {
        unreadable = true;
        output.err(`error: ${errorMessage(error)}`);
      } else {
        broken = true;
        output.err(`error: ${file}: ${errorMessage(error)}`);
      }
    }
  }
  if (unreadable) return ExitCode.noInput;
  if (invalid) return ExitCode.config;
  if (broken) return ExitCode.software;
  return ExitCode.ok;
}

/** `tributary validate FILE...`: checks flow files without starting anything; sets the exit code. */
export function validateCommand(output: ValidateOutput = processOutput, registries: FlowRegistries = defaultRegistries): Command {
  return new Command('validate')
    .description('check flow files (YAML syntax, options of every source and processor, the graph) without starting anything')
    .argument('<file...>', 'flow YAML files to check')
    .addHelpText('after', `
Prints "FILE: ok (N sources, M processors, P partitions)" for each valid file. For an invalid
one, prints every problem on stderr, one per line, as
  FILE:LINE:COLUMN: PATH: what was expected and what was found (did you mean ...?)
which editors and CI annotations can jump to. Every option is described in
docs/flow-reference.md; flows/flow.schema.json gives editors completion and checks as you type.

Exit codes: ${ExitCode.ok} every file is valid, ${ExitCode.config} a file is invalid (EX_CONFIG),
${ExitCode.noInput} a file cannot be read (EX_NOINPUT), ${ExitCode.software} an internal error.

Examples:
  tributary validate flows/gps-tracker.yaml
  tributary validate flows/*.yaml`)
    .action((files: string[]) => {
      process.exitCode = validateFiles(files, output, registries);
    });
}
