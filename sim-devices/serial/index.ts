/** Simulated serial devices: what tests, benchmarks, the demo and the sim-devices CLI use. */
export { SerialDevice, type SerialDeviceOptions, type SerialDeviceStats, type SerialFaults } from './device.js';
export { createPtyPair, type PtyPair, type PtyPairOptions } from './pty.js';
export { readCaptureLines } from './replay.js';
export { createLineSource, type LineSource, type SerialDeviceKind } from './line-sources.js';
export { nmeaChecksum, sentence, fixSentences, type GpsFix } from './nmea-sentences.js';
export { serialCommand, startSerialDevices, type SerialDevicesOptions, type SerialDevicesHandle, type Report } from './command.js';
