import { Command, InvalidArgumentError } from 'commander';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

/** `tributary demo`: simulated devices and agents on this machine. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the demo: a hub with its dashboard, simulated GPS (virtual serial port) and MQTT climate sensors feeding two agents')
    .option('--data-dir <dir>', 'where the demo agents keep their logs', './data/demo')
    .option('--sensors <n>', 'simulated MQTT climate sensors', wholeNumber, 4)
    .option('--duration <seconds>', 'stop by itself after this long (0 = until Ctrl-C)', wholeNumber, 0)
    .option('--http-port <port>', 'the dashboard\'s port (another free port when it is taken)', wholeNumber, 8080)
    .option('--http-host <address>', 'where the dashboard listens (0.0.0.0: reachable from the LAN, with the login token)', '127.0.0.1')
    .option('--unplug-every <seconds>', 'pull the GPS cable this often, for 8 s (at most half the period); 0 = never', wholeNumber, 90)
    .addHelpText('after', '\nPrints the dashboard URL and its login token. Faults on purpose: a little line noise on the GPS, 1 % garbage\nMQTT payloads, and the GPS cable pulled now and then (--unplug-every).\nNeeds socat (scripts/setup.sh installs it). Ctrl-C stops the devices and agents cleanly.')
    .action(async (options: { dataDir: string; sensors: number; duration: number; httpPort: number; httpHost: string; unplugEvery: number }) => {
      const { runDemo } = await import('../demo/run-demo.js');
      await runDemo({ dataDir: options.dataDir, sensors: options.sensors, durationS: options.duration, httpPort: options.httpPort, httpHost: options.httpHost, gpsUnplugEveryS: options.unplugEvery });
      process.exit(0);
    });
}
