import { Command } from 'commander';
import { agentCommand } from './agent.js';
import { demoCommand } from './demo.js';
import { hubCommand } from './hub.js';
import { logCommand } from './log.js';
import { AGENT_VERSION } from '../agent/version.js';
import { validateCommand } from './validate.js';
import { simDevicesProgram } from '../sim-devices/cli.js';


/** The `tributary` command line: one binary for the agent, the hub and their tools. */
export function buildProgram(): Command {
  return new Command('tributary')
    .description('Tributary: edge agents with a durable log, forwarding at-least-once to a hub')
    .version(AGENT_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(agentCommand())
    .addCommand(hubCommand())
    .addCommand(validateCommand())
    .addCommand(logCommand())
    .addCommand(demoCommand())
    .addCommand(simDevicesProgram());
}

await buildProgram().parseAsync(process.argv);
