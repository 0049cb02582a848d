import { Command, Option } from 'commander';
import { Agent } from '../agent/agent.js';
import { loadFlow } from '../agent/flow/load.js';
import { forgetFlowValidators } from '../agent/flow/validator.js';
import { createLogger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import { ExitCode } from './exit-codes.js';
import { logLevelOption } from './log-level.js';
import { HEAP_PROFILES, applyHeapProfile, type HeapProfile } from './heap-profile.js';

/** `tributary agent --flow FILE`: runs an edge agent until SIGINT/SIGTERM. */
export function agentCommand(): Command {
  return new Command('agent')
    .description('run an edge agent: read its sources, process records, store them durably (and forward them to the hub)')
    .requiredOption('-f, --flow <file>', 'the flow YAML file (see flows/ for examples, docs/flow-reference.md for every option)')
    .addOption(logLevelOption())
    .addOption(
      new Option('--heap <profile>', 'memory profile of the JavaScript heap: "small" keeps RSS ~30 MiB lower at moderate rates and grows the heap only under heavy load (edge devices); "node" uses V8\'s defaults')
        .choices(HEAP_PROFILES)
        .default('small'),
    )
    .addHelpText('after', `
The agent refuses to start on an invalid flow (exit ${ExitCode.config}); check one with "tributary validate FILE".
SIGINT or SIGTERM stops the sources, makes every buffered record durable and exits 0.

Example:
  tributary agent --flow flows/gps-tracker.yaml`)
    .action(async (options: { flow: string; logLevel: string; heap: HeapProfile }) => {
      applyHeapProfile(options.heap);
      const logger = createLogger('tributary-agent', options.logLevel);
      let flow;
      try {
        flow = loadFlow(options.flow);
        forgetFlowValidators();
      } catch (error) {
        const code = (error as { code?: string }).code;
        console.error(errorMessage(error));
        process.exit(code === 'ERR_FLOW_INVALID' ? ExitCode.config : code === 'ERR_FLOW_NOT_FOUND' ? ExitCode.noInput : ExitCode.config);
      }
      let agent: Agent;
      try {
        agent = await Agent.start(flow, { logger });
      } catch (error) {
        logger.fatal({ err: error }, `agent could not start: ${errorMessage(error)}`);
        process.exit(ExitCode.software);
      }
      const stop = (signal: string) => {
        logger.info({ signal }, 'stop requested');
        agent.stop().then(
          () => process.exit(ExitCode.ok),
          (error: unknown) => {
            logger.error({ err: error }, 'agent did not stop cleanly');
            process.exit(ExitCode.software);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
