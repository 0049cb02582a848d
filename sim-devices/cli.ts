import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { mqttCommand } from './mqtt/command.js';
import { serialCommand } from './serial/command.js';

/**
 * `sim-devices`: simulated sensors for tests, benchmarks and demos. Each device family is one
 * subcommand built in its own folder (`serial/command.ts`, `mqtt/command.ts`) that runs until
 * SIGINT/SIGTERM; adding a family is one `addCommand` line here.
 */
export function simDevicesProgram(): Command {
  return new Command('sim-devices')
    .description('simulated sensors: serial devices on virtual serial ports, MQTT sensors')
    .addCommand(serialCommand())
    .addCommand(mqttCommand());
}

function isMainModule(): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === import.meta.url;
}

if (isMainModule()) {
  simDevicesProgram()
    .parseAsync()
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
