// Imported first: bin/tributary.js loads it alone, before this module graph is parsed (see heap-profile.ts);
// run as `node dist/cli/tributary.js`, it takes effect only once the graph is loaded.
import './heap-profile.js';
import { Command } from 'commander';
import { agentCommand } from './agent.js';
import { demoCommand } from './demo.js';
import { hubCommand } from './hub.js';
import { logCommand } from './log.js';
import { AGENT_VERSION } from '../agent/version.js';
import { ExitCode } from './exit-codes.js';
import { validateCommand } from './validate.js';
import { simDevicesProgram } from '../sim-devices/cli.js';

/** The `tributary` command line: one binary for the agent, the hub and their tools. */
export function buildProgram(): Command {
  return new Command('tributary')
    .description('Tributary: edge agents with a durable log, forwarding at-least-once to a hub')
    .version(AGENT_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Every command has --help. Exit codes (sysexits.h where one fits), the same for every command:
  ${ExitCode.ok}   ok
  ${ExitCode.problemsFound}   the command ran and found problems (log verify: corruption)
  ${ExitCode.usage}  usage: a wrong option or argument (EX_USAGE)
  ${ExitCode.noInput}  an input file, config or data dir does not exist or cannot be read (EX_NOINPUT)
  ${ExitCode.software}  internal error, e.g. a port already in use (EX_SOFTWARE)
  ${ExitCode.config}  invalid configuration: a flow or hub config (EX_CONFIG)

Docs: docs/ in the repository (flow-reference.md, hub.md, operations.md, install-raspberry-pi.md).`)
    .addCommand(agentCommand())
    .addCommand(hubCommand())
    .addCommand(validateCommand())
    .addCommand(logCommand())
    .addCommand(demoCommand())
    .addCommand(simDevicesProgram());
}

/** Usage errors of every command (unknown option, missing argument) exit 64 instead of commander's 1. */
function exitUsageErrorsWith64(command: Command): void {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage));
  for (const sub of command.commands) exitUsageErrorsWith64(sub);
}

const program = buildProgram();
exitUsageErrorsWith64(program);
await program.parseAsync(process.argv);
