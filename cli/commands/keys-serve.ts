/**
 * `curvezmq keys serve ENDPOINT --journal PATH --secret-key-file F --admin KEY...`: a fleet
 * server (SNAPSHOT on P, PUBLISHER on P+1, COLLECTOR on P+2) until SIGINT or SIGTERM. Each
 * update, refusal and dropped command is logged on stderr, one line each.
 *
 * @module
 */
import { FleetServer, type FleetServerOptions } from '../../src/adapters/zeromq/fleet';
import { isValidGroup } from '../../src/fleet';
import { keyToZ85 } from '../../src/keys';
import { EXIT } from '../exit-codes';
import { UsageError } from '../usage';
import { millisecondsOption, publicKeyOption, type KeysContext } from './keys';

/** The group a server gives rights from when `--group` is not given. */
export const DEFAULT_SERVER_GROUP = 'fleet';

/** Runs the server until the context's signal; returns the exit code. */
export async function serveKeys(context: KeysContext): Promise<number> {
  const options = await serverOptions(context);
  const { io, endpoint } = context;
  let server: FleetServer;
  try {
    server = await FleetServer.start(options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.log(`curvezmq keys serve: cannot serve on ${endpoint}: ${code === 'EADDRINUSE' ? `port ${options.port}, ${options.port + 1} or ${options.port + 2} is in use` : (error as Error).message}`);
    return EXIT.FAILURE;
  }
  if (server.journalCut !== undefined) io.log(`journal: cut ${JSON.stringify(server.journalCut)} from ${options.journal} (a torn or corrupt tail)`);
  server.events.on('update', (update) => io.log(`update ${update.sequence} ${update.key}${update.value.length === 0 ? ' (deleted)' : ''}`));
  server.events.on('refused', (request, where) => io.log(`refused: key ${request.publicKeyZ85 ?? '(none)'} at ${where}`));
  server.events.on('dropped', (error, where) => io.log(`dropped: ${error.code} at ${where}: ${error.message}`));
  server.events.on('fault', (error) => io.log(`fault: ${(error as Error).message ?? String(error)}`));
  io.log(
    `serving keys on ${endpoint} (snapshot ${options.port}, publisher ${options.port + 1}, collector ${options.port + 2}), ` +
      `group ${options.group}, ${options.admins?.length ?? 0} admin key(s), journal ${options.journal} at sequence ${server.sequence}`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  io.log('stopped');
  return EXIT.OK;
}

async function serverOptions(context: KeysContext): Promise<FleetServerOptions & { port: number; journal: string }> {
  const { values, address, secretKey } = context;
  const group = values.group ?? DEFAULT_SERVER_GROUP;
  if (!isValidGroup(group)) throw new UsageError('--group expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  if (values.journal === undefined || values.journal === '') throw new UsageError('keys serve needs --journal PATH (the map survives restarts through it)');
  const adminValues = (values.admin ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (adminValues.length === 0) throw new UsageError('keys serve needs --admin KEY: with no admin and an empty map, no one could add a key');
  const admins = await Promise.all(adminValues.map((v) => publicKeyOption(v, '--admin')));
  const heartbeat = millisecondsOption(values.heartbeat, '--heartbeat', 1000);
  return {
    host: address.host,
    port: address.port,
    secretKey,
    group,
    admins: admins.map((key) => keyToZ85(key)),
    heartbeat,
    journal: values.journal,
    ...pairOptions(context),
  };
}

/**
 * Binary Star (`--primary PEER` / `--backup PEER`): the FleetServer options of the pair go here
 * once the server has them; until then the flags are refused, not ignored.
 */
function pairOptions(context: KeysContext): Partial<FleetServerOptions> {
  const { primary, backup } = context.values;
  if (primary !== undefined || backup !== undefined) {
    throw new UsageError('--primary and --backup (a Binary Star pair) are not built yet');
  }
  return {};
}
