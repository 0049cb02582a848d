import type { SourceSpec } from '../../component.js';
import { checkSerialConfig, serialSourceSchema, type SerialSourceConfig } from './config.js';
import { createSerialSource } from './serial-source.js';

/** `type: serial`: a serial port read frame by frame through a parser. */
export const serialSourceSpec: SourceSpec<SerialSourceConfig> = {
  type: 'serial',
  description: 'Reads a serial port (GPS receivers, meters, microcontrollers): frames by delimiter or length, parses lines/json/csv/nmea/regex, reopens on unplug or stall.',
  schema: serialSourceSchema,
  check: checkSerialConfig,
  create: (config, context) => createSerialSource(config, context),
};
