import { Command, InvalidArgumentError } from 'commander';
import { integer, positiveInteger, positiveNumber, probability } from '../cli-options.js';

/** `sim-devices mqtt`: simulated MQTT climate sensors, until SIGINT/SIGTERM or --messages per device. */
export function mqttCommand(): Command {
  return new Command('mqtt')
    .description('simulated greenhouse climate sensors publishing JSON readings to an MQTT broker')
    .option('--url <url>', 'broker URL', 'mqtt://127.0.0.1:1883')
    .option('--count <n>', 'number of devices (one connection each)', positiveInteger, 1)
    .option('--topic-prefix <prefix>', 'topics are <prefix>/<device>/climate', 'greenhouse')
    .option('--device-prefix <prefix>', 'device ids are <prefix>001, <prefix>002, ...', 'gh-')
    .option('--rate-per-sec <n>', 'readings per second per device', positiveNumber, 1)
    .option('--qos <qos>', 'publish QoS, 0 or 1', qosLevel, 1)
    .option('--messages <n>', 'stop after this many readings per device (default: run until stopped)', positiveInteger)
    .option('--garbage <probability>', 'share of readings replaced by garbage payloads (0..1)', probability, 0)
    .option('--seed <n>', 'seed for reproducible readings and faults', integer)
    .option('--day-s <n>', 'length of a simulated day in seconds (the temperature cycle)', positiveNumber, 86_400)
    .addHelpText('after', `
Each reading: {"device","seq","ts","temperature_c","humidity_pct","co2_ppm"}; seq counts per device from 0.
Counts (published, acknowledged by the broker, garbage) go to stderr every 5 s and at exit.

Example:
  tributary sim-devices mqtt --url mqtt://127.0.0.1:1883 --count 5 --rate-per-sec 2 --garbage 0.01`)
    .action(async (options: { url: string; count: number; topicPrefix: string; devicePrefix: string; ratePerSec: number; qos: 0 | 1; messages?: number; garbage: number; seed?: number; dayS: number }) => {
      // Loaded here: mqtt.js is heavy, and the tributary command registers this one for every run.
      const { startMqttSensors } = await import('./sensors.js');
      const sensors = await startMqttSensors({
        url: options.url,
        count: options.count,
        topicPrefix: options.topicPrefix,
        devicePrefix: options.devicePrefix,
        ratePerSec: options.ratePerSec,
        qos: options.qos,
        messagesPerDevice: options.messages,
        faults: { garbageProbability: options.garbage },
        seed: options.seed,
        dayMs: options.dayS * 1000,
      });
      const report = (): void => console.error(`mqtt sensors: ${JSON.stringify(sensors.counts())}`);
      console.error(`mqtt sensors: ${sensors.devices.length} device(s) publishing to ${options.url} under ${options.topicPrefix}/<device>/climate`);
      const reporter = setInterval(report, 5000);
      const stop = async (): Promise<void> => {
        clearInterval(reporter);
        await sensors.stop();
        report();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      if (options.messages !== undefined) {
        await sensors.done();
        await stop();
      }
    });
}

function qosLevel(value: string): 0 | 1 {
  if (value !== '0' && value !== '1') throw new InvalidArgumentError('expected 0 or 1');
  return value === '0' ? 0 : 1;
}
