/**
 * `settings:test-connection`: tries a central connection string the operator typed, without
 * saving it, and says in words what is wrong: a malformed string, a host name that does not
 * resolve, nothing listening, no answer in time, TLS, refused credentials, a server older than
 * the driver supports (MongoDB 4.4), or a server that is not a replica set or sharded cluster
 * (Outpost needs change streams, which standalones lack:
 * https://www.mongodb.com/docs/manual/changeStreams/#availability).
 */
import { MongoClient, type Document, type MongoClientOptions } from 'mongodb';
import { redactDeep, redactUri } from '../logging/redact.js';
import type { ConnectionProblem, ConnectionTestResult, JsonObject } from './views.js';
import { collectFacts, MIN_SERVER, olderServer, type ErrorFacts } from '../engine/central-error.js';
import { whatMovingDoes, type BoundDatabase } from '../central/identity.js';

export const CONNECTION_TEST_TIMEOUT_MS = 5_000;

export interface ConnectionTestOptions {
  timeoutMs?: number;
  /** For tests: how the client is made. */
  createClient?: (uri: string, options: MongoClientOptions) => MongoClient;
  /** The databases that synced before, and with which central (see central/identity.ts). */
  bound?: readonly BoundDatabase[] | undefined;
}

const SCHEME = /^mongodb(\+srv)?:\/\//i;

export async function testCentralConnection(
  rawUri: string,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const uri = rawUri.trim();
  const timeoutMs = options.timeoutMs ?? CONNECTION_TEST_TIMEOUT_MS;
  const malformed = checkForm(uri);
  if (malformed) return malformed;
  let client: MongoClient;
  try {
    client = (options.createClient ?? ((u, o) => new MongoClient(u, o)))(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs * 2,
      appName: 'outpost-connection-test',
    });
  } catch (error) {
    return failure(
      'malformed',
      `This is not a valid connection string: ${sentence(errorMessage(error))} ` +
        'Copy it again from your database provider (Atlas: Connect > Drivers).',
      { error: errorMessage(error) },
    );
  }
  const hosts = hostsOf(client);
  const started = Date.now();
  try {
    await client.connect();
    const hello = await client.db('admin').command({ hello: 1 });
    const info = await client
      .db('admin')
      .command({ buildInfo: 1 })
      .catch((): Document => ({}));
    const result = describeServer(hello, {
      hosts,
      version: typeof info['version'] === 'string' ? info['version'] : null,
      ms: Date.now() - started,
    });
    if (!result.ok || !options.bound?.length) return result;
    const afterSave = await whatMovingDoes(client, hello, options.bound);
    return afterSave.length > 0 ? { ...result, afterSave } : result;
  } catch (error) {
    return classifyConnectError(error, { hosts, timeoutMs });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The checks a string fails before any driver sees it. */
function checkForm(uri: string): ConnectionTestResult | undefined {
  if (uri === '') {
    return failure(
      'malformed',
      'Enter a connection string, such as mongodb+srv://user:password@cluster0.example.mongodb.net.',
      {},
    );
  }
  if (!SCHEME.test(uri)) {
    const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(uri)?.[0];
    return failure(
      'malformed',
      'This is not a MongoDB connection string: it must start with mongodb:// or mongodb+srv://' +
        (start ? `, not ${start}.` : '.') +
        ' Copy it again from your database provider (Atlas: Connect > Drivers).',
      {},
    );
  }
  return undefined;
}

function hostsOf(client: MongoClient): string[] {
  const options = client.options as { hosts?: { toString(): string }[]; srvHost?: string };
  if (options.srvHost) return [options.srvHost];
  return (options.hosts ?? []).map((host) => host.toString());
}

/** A connected server: fine when it is a replica set member or a mongos. */
export function describeServer(
  hello: Document,
  seen: { hosts: string[]; version: string | null; ms: number },
): ConnectionTestResult {
  const version = seen.version ? ` (MongoDB ${seen.version})` : '';
  const details: JsonObject = { hosts: seen.hosts, version: seen.version, ms: seen.ms };
  if (typeof hello['setName'] === 'string') {
    return {
      ok: true,
      problem: null,
      message: `Connected to replica set "${hello['setName']}"${version} in ${seen.ms} ms. Outpost can sync with it.`,
      details: { ...details, topology: 'replica-set', setName: hello['setName'] },
    };
  }
  if (hello['msg'] === 'isdbgrid') {
    return {
      ok: true,
      problem: null,
      message: `Connected to a sharded cluster${version} in ${seen.ms} ms. Outpost can sync with it.`,
      details: { ...details, topology: 'sharded' },
    };
  }
  return failure(
    'not-replica-set',
    `Connected, but ${seen.hosts.join(', ') || 'this server'} is a single standalone MongoDB${version}, ` +
      'not a replica set or sharded cluster. Outpost needs one of those (they keep the change ' +
      'history sync reads); Atlas clusters always are. Point it at the replica set, or convert ' +
      'the server to a one-member replica set.',
    { ...details, topology: 'standalone' },
  );
}

const has = (facts: ErrorFacts, pattern: RegExp) =>
  [...facts.codes].some((code) => pattern.test(code)) ||
  facts.messages.some((message) => pattern.test(message));

/** What a failed connect means, in words. */
export function classifyConnectError(
  error: unknown,
  context: { hosts: string[]; timeoutMs: number },
): ConnectionTestResult {
  const facts = collectFacts(error);
  const where = context.hosts.join(', ') || 'the server';
  const details = {
    hosts: context.hosts,
    error: redactUri(facts.messages[0] ?? String(error)),
    codes: [...facts.codes],
  };
  if (facts.serverCode === 18 || has(facts, /AuthenticationFailed|Authentication failed/i)) {
    return failure(
      'auth',
      `${where} refused the user name or password. Check both (special characters in the ` +
        'password must be URL-encoded), and authSource (usually admin).',
      details,
    );
  }
  const tooOld = olderServer(facts.messages);
  if (tooOld) {
    return failure(
      'too-old',
      `${where} runs ${tooOld}, and Outpost needs MongoDB ${MIN_SERVER} or later (every Atlas ` +
        'cluster is). Upgrade the server, or point Outpost at one that is.',
      details,
    );
  }
  if (has(facts, /ENOTFOUND|EAI_AGAIN|EAI_NONAME|querySrv|queryTxt|ENODATA/)) {
    return failure(
      'dns',
      `The host name ${where} could not be found. Check its spelling in the connection ` +
        'string, and that this computer can reach the internet (DNS).',
      details,
    );
  }
  if (has(facts, /ECONNREFUSED/)) {
    return failure(
      'unreachable',
      `Nothing is listening at ${where} (connection refused). Check the host and port, and ` +
        'that the database server is running.',
      details,
    );
  }
  if (has(facts, /EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE/)) {
    return failure(
      'unreachable',
      `${where} cannot be reached from this computer (${[...facts.codes].join(', ')}). Check ` +
        'the network, and any firewall or IP access list (Atlas: Network Access).',
      details,
    );
  }
  if (has(facts, /SSL|TLS|certificate|CERT_|self[- ]signed/i)) {
    return failure(
      'tls',
      `A secure (TLS) connection to ${where} could not be set up: ` +
        `${sentence(redactUri(facts.messages.find((m) => /SSL|TLS|cert/i.test(m)) ?? details.error))} ` +
        'Check the tls options in the connection string.',
      details,
    );
  }
  if (has(facts, /timed out|ETIMEDOUT|timeout/i)) {
    return failure(
      'timeout',
      `No answer from ${where} within ${Math.round(context.timeoutMs / 1000)} s. Check the ` +
        'host and port, the network, and any firewall or IP access list (Atlas: Network Access).',
      details,
    );
  }
  return failure('other', `Could not connect to ${where}: ${sentence(details.error)}`, details);
}

function failure(problem: ConnectionProblem, message: string, details: JsonObject) {
  return {
    ok: false,
    problem,
    message: redactUri(message),
    details: redactDeep(details) as JsonObject,
  };
}

function errorMessage(error: unknown): string {
  return redactUri(error instanceof Error ? error.message : String(error));
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
