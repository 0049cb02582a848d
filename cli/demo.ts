import { Command, InvalidArgumentError } from 'commander';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

/** `tributary demo`: simulated devices and agents on this machine. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the demo: simulated GPS (virtual serial port) and MQTT climate sensors feeding two agents')
    .option('--data-dir <dir>', 'where the demo agents keep their logs', './data/demo')
    .option('--sensors <n>', 'simulated MQTT climate sensors', wholeNumber, 4)
    .option('--duration <seconds>', 'stop by itself after this long (0 = until Ctrl-C)', wholeNumber, 0)
    .addHelpText('after', '\nNeeds socat (scripts/setup.sh installs it). Ctrl-C stops the devices and agents cleanly.')
    .action(async (options: { dataDir: string; sensors: number; duration: number }) => {
      const { runDemo } = await import('../demo/run-demo.js');
      await runDemo({ dataDir: options.dataDir, sensors: options.sensors, durationS: options.duration });
      process.exit(0);
    });
}
