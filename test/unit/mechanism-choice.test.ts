/**
 * The one shape every adapter takes for "which mechanism" (src/adapters/mechanism-choice.ts):
 * a definition or a name in a registry, the mechanism's options, and one stable TypeError per
 * misuse, naming the argument.
 */
import { CURVE, defaultRegistry, NULL } from '../../mechanisms';
import { generateKeyPair, MechanismRegistry, StateError, type MechanismDefinition, type MechanismOptions } from '../../src';
import { clientSessions, resolveMechanism, serverSessions, type MechanismChoice } from '../../src/adapters/mechanism-choice';
import { SpyDefinition } from '../helpers/spy-definition';

/** NULL, recording the options each client and server was made with. */
function recordingNull(): MechanismDefinition<MechanismOptions> & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    name: 'NULL',
    seen,
    client: (options) => (seen.push(options), NULL.client(options)),
    server: (options) => (seen.push(options), NULL.server(options)),
  };
}

describe('a definition', () => {
  test('is used as given, with its options; each client call makes a fresh session', () => {
    const definition = recordingNull();
    const options = { metadata: { 'X-Who': 'me' } };
    const make = clientSessions({ mechanism: definition, mechanismOptions: options });
    const first = make();
    const second = make();
    expect(first).not.toBe(second);
    expect(first.name).toBe('NULL');
    expect(first.role).toBe('client');
    expect(definition.seen).toEqual([options, options]);
  });

  test('needs no registry, and a registry given beside it is not consulted', () => {
    const empty = new MechanismRegistry();
    expect(resolveMechanism({ mechanism: NULL, registry: empty }).definition).toBe(NULL);
  });

  test('without mechanismOptions gets {}', () => {
    const definition = recordingNull();
    clientSessions({ mechanism: definition })();
    expect(definition.seen).toEqual([{}]);
  });

  test('a custom definition that is registered nowhere works', () => {
    const custom = { name: 'X-NULL', client: NULL.client, server: NULL.server };
    expect(serverSessions({ mechanism: custom })().role).toBe('server');
  });
});

describe('a name in a registry', () => {
  test('is looked up (case-insensitively) and called with the options', () => {
    const keys = generateKeyPair();
    const make = clientSessions({ mechanism: 'curve', registry: defaultRegistry, mechanismOptions: { secretKey: keys.secretKey, serverKey: keys.publicKey } });
    expect(make().name).toBe('CURVE');
  });

  test('an unknown name is a RangeError from the registry', () => {
    expect(() => clientSessions({ mechanism: 'NOPE', registry: defaultRegistry })).toThrow(RangeError);
    expect(() => clientSessions({ mechanism: 'NOPE', registry: defaultRegistry })).toThrow(/unknown mechanism NOPE/);
  });
});

describe('the server side', () => {
  test('calls server() once per endpoint: its sessions share state, and close() wipes it', () => {
    const spy = new SpyDefinition(CURVE);
    const sessions = serverSessions({ mechanism: spy, mechanismOptions: { secretKey: generateKeyPair().secretKey } });
    sessions();
    sessions();
    expect(spy.servers).toHaveLength(1);
    expect(spy.made).toBe(2);
    sessions.close?.();
    expect(spy.closes).toBe(1);
    expect(() => spy.servers[0]!()).toThrow(StateError);
  });

  test('bad mechanism options fail at once, when the endpoint is made', () => {
    expect(() => serverSessions({ mechanism: CURVE, mechanismOptions: { secretKey: 'short' } as never })).toThrow();
  });
});

describe('misuse: one TypeError each, naming the argument', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', undefined, '"options" expected an object'],
    ['no mechanism', {}, '"options.mechanism" expected a mechanism definition or a name'],
    ['a factory function (no longer taken)', { mechanism: () => NULL.client({}) }, '"options.mechanism" expected a mechanism definition or a name'],
    ['a definition without a name', { mechanism: { client: NULL.client, server: NULL.server } }, '"options.mechanism" expected a mechanism definition or a name'],
    ['a name without a registry', { mechanism: 'NULL' }, '"options.registry" is required when "options.mechanism" is a name'],
    ['a registry that is not one', { mechanism: 'NULL', registry: {} }, '"options.registry" expected a MechanismRegistry'],
    ['options that are not an object', { mechanism: NULL, mechanismOptions: 'x' }, '"options.mechanismOptions" expected an object'],
  ];

  test.each(cases)('%s', (_label, choice, message) => {
    for (const resolve of [resolveMechanism, clientSessions, serverSessions]) {
      expect(() => resolve(choice as MechanismChoice)).toThrow(TypeError);
      expect(() => resolve(choice as MechanismChoice)).toThrow(message);
    }
  });

  test('the caller names the argument (as FileMQ names an entry of its list)', () => {
    expect(() => resolveMechanism({ mechanism: 'NULL' }, 'options.mechanisms[2]')).toThrow(
      '"options.mechanisms[2].registry" is required when "options.mechanisms[2].mechanism" is a name',
    );
  });
});
