import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { TributaryError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { HubConfigError, loadHubConfig, type HubConfig } from '../hub/config/load.js';
import { CredentialStore } from '../hub/credentials/store.js';
import type { RunningHub } from '../hub/hub.js';
import { ExitCode } from './exit-codes.js';
import { logLevelOption } from './log-level.js';
import { applyHeapProfile } from './heap-profile.js';

interface GlobalOptions {
  config?: string;
  logLevel: string;
}

/** Exit code for an error, by its code: what the user has to fix decides it. */
function exitCodeOf(error: unknown): number {
  switch ((error as { code?: string }).code) {
    case 'ERR_HUB_CONFIG_INVALID':
      return ExitCode.config;
    case 'ERR_HUB_CONFIG_NOT_FOUND':
    case 'ERR_HUB_PASSWORD_FILE':
      return ExitCode.noInput;
    case 'ERR_HUB_AGENT_EXISTS':
    case 'ERR_HUB_AGENT_UNKNOWN':
    case 'ERR_HUB_AGENT_ID':
    case 'ERR_HUB_PASSWORD':
      return ExitCode.usage;
    default:
      return ExitCode.software;
  }
}

function fail(error: unknown): never {
  if (error instanceof HubConfigError) {
    // one `file:line:col: path: message` per line, as editors and CI annotations read them
    console.error(error.message);
    console.error(`${error.problems[0]?.file ?? 'the hub config'}: invalid (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'})`);
  } else {
    console.error(`error: ${errorMessage(error)}`);
  }
  process.exit(exitCodeOf(error));
}

function loadConfig(options: GlobalOptions): HubConfig {
  try {
    return loadHubConfig(options.config);
  } catch (error) {
    fail(error);
  }
}

/** Runs `use` with the credentials file of the configured data dir, closing it afterwards. */
async function withStore<T>(command: Command, use: (store: CredentialStore) => T | Promise<T>): Promise<T> {
  const config = loadConfig(command.optsWithGlobals<GlobalOptions>());
  let store: CredentialStore;
  try {
    store = CredentialStore.open(config.hub.data_dir);
  } catch (error) {
    fail(error);
  }
  try {
    return await use(store);
  } catch (error) {
    fail(error);
  } finally {
    store.close();
  }
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    fail(new TributaryError('ERR_HUB_PASSWORD_FILE', `cannot read the password file ${file}: ${errorMessage(error)}`, { cause: error }));
  }
  // one trailing line break is the file's, not the password's
  return text.replace(/\r?\n$/, '');
}

function addCommand(): Command {
  return new Command('add')
    .description('register an agent and print its new password (once: only a hash is kept)')
    .argument('<agent-id>', "the agent's id (its flow's agent.id)")
    .option('--password-file <file>', 'take the password from this file (- for stdin) instead of generating one; nothing is printed then')
    .option('--replace', 'give an existing agent a new password (its old one stops working for new connections)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `
Prints the generated password on stdout and nothing else, so a script can capture it; give it to the
agent (its forward credentials). The hub reads the credentials file on every connection: no restart needed.

Exit codes: ${ExitCode.ok} added, ${ExitCode.usage} invalid id or password, or the agent exists (use --replace),
${ExitCode.noInput} the config or password file cannot be read, ${ExitCode.config} the config is invalid.

Examples:
  tributary hub agent add gps-van-7
  PASSWORD=$(tributary hub agent add gps-van-7 --config /etc/tributary/hub.yaml)
  tributary hub agent add gps-van-7 --replace --password-file ./secret.txt`)
    .action(async (agentId: string, options: { passwordFile?: string; replace?: boolean }, command: Command) => {
      const password = options.passwordFile === undefined ? undefined : readPasswordFile(options.passwordFile);
      await withStore(command, async (store) => {
        const chosen = await store.add(agentId, password, { replace: options.replace === true });
        if (password === undefined) process.stdout.write(`${chosen}\n`);
        console.error(`${options.replace === true ? 'updated' : 'added'} agent ${agentId} in ${store.path}${password === undefined ? ' (its password is on stdout: it is not shown again)' : ''}`);
      });
    });
}

function revokeCommand(): Command {
  return new Command('revoke')
    .description('revoke an agent: it cannot connect any more, and its open connection is closed within seconds')
    .argument('<agent-id>', "the agent's id")
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `
"tributary hub agent add ID" registers it again with a new password.

Exit codes: ${ExitCode.ok} revoked (or already revoked), ${ExitCode.usage} no such agent.

Example:
  tributary hub agent revoke gps-van-7`)
    .action(async (agentId: string, _options: unknown, command: Command) => {
      await withStore(command, (store) => {
        const changed = store.revoke(agentId);
        console.log(changed ? `revoked agent ${agentId}` : `agent ${agentId} was already revoked`);
      });
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('list the registered agents')
    .option('--json', 'print a JSON array: [{ agentId, status, createdAt, revokedAt? }] (ISO 8601 times)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `
Examples:
  tributary hub agent list
  tributary hub agent list --json --config /etc/tributary/hub.yaml`)
    .action(async (options: { json?: boolean }, command: Command) => {
      await withStore(command, (store) => {
        const agents = store.list().map((agent) => ({
          agentId: agent.agentId,
          status: agent.revokedAt === undefined ? 'active' : 'revoked',
          createdAt: new Date(agent.createdAt).toISOString(),
          ...(agent.revokedAt === undefined ? {} : { revokedAt: new Date(agent.revokedAt).toISOString() }),
        }));
        if (options.json === true) {
          console.log(JSON.stringify(agents, null, 2));
          return;
        }
        if (agents.length === 0) {
          console.log(`no agents in ${store.path}: add one with "tributary hub agent add ID"`);
          return;
        }
        const rows = [['AGENT', 'STATUS', 'CREATED', 'REVOKED'], ...agents.map((agent) => [agent.agentId, agent.status, agent.createdAt, agent.revokedAt ?? ''])];
        const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
        for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
      });
    });
}

async function runHub(options: GlobalOptions): Promise<void> {
  // The hub runs on a server: V8's default heap sizing, for throughput.
  applyHeapProfile('node');
  const config = loadConfig(options);
  const logger = createLogger('tributary-hub', options.logLevel);
  let hub: RunningHub;
  try {
    // Loaded here: the broker (aedes) is heavy, and `hub agent ...` never needs it.
    const { startHub } = await import('../hub/hub.js');
    hub = await startHub(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, `hub could not start: ${errorMessage(error)}`);
    process.exit(ExitCode.software);
  }
  const stop = (signal: string) => {
    logger.info({ signal }, 'stop requested');
    hub.stop().then(
      () => process.exit(ExitCode.ok),
      (error: unknown) => {
        logger.error({ err: error }, 'hub did not stop cleanly');
        process.exit(ExitCode.software);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** `tributary hub`: runs the hub; `tributary hub agent add|revoke|list` manages agents' credentials. */
export function hubCommand(): Command {
  return new Command('hub')
    .description('run the hub (MQTT broker for agents, de-duplicated log), or manage agent credentials (hub agent ...)')
    .option('-c, --config <file>', 'the hub config YAML (default: every setting at its default; see flows/hub.example.yaml and docs/hub.md)')
    .addOption(logLevelOption())
    .addHelpText('after', `
Without --config the hub listens for MQTT on 127.0.0.1:1883 and keeps its data in ./data/hub.
Agents log in with username = agent id and the password "tributary hub agent add ID" printed.
The hub refuses to start on an invalid config (exit ${ExitCode.config}; every problem is listed as
FILE:LINE:COLUMN: PATH: message). SIGINT or SIGTERM closes every connection, finishes the commits
in progress and exits 0.

Examples:
  tributary hub
  tributary hub --config /etc/tributary/hub.yaml
  tributary hub agent add gps-van-7
  tributary hub agent list --json`)
    .action((options: GlobalOptions) => runHub(options))
    .addCommand(new Command('agent')
      .description('manage the agents allowed to connect: add, revoke, list')
      .configureHelp({ showGlobalOptions: true })
      .addCommand(addCommand())
      .addCommand(revokeCommand())
      .addCommand(listCommand()));
}
