import { Option } from 'commander';
import { LOG_LEVELS } from '../core/logger.js';

/**
 * `--log-level`: one of pino's levels, else TRIBUTARY_LOG_LEVEL, else info. An unknown level from either is a
 * usage error (exit 64) naming the choices, not a crash in the logger.
 */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'level of the JSON log lines on stderr').choices(LOG_LEVELS).env('TRIBUTARY_LOG_LEVEL').default('info');
}
