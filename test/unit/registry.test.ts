import { createDefaultRegistry, NullMechanism } from '../../mechanisms';
import { MechanismRegistry, runHandshake, type MechanismDefinition } from '../../src';

describe('mechanism registry', () => {
  test('the default registry holds the built-ins, case-insensitively', () => {
    const registry = createDefaultRegistry();
    expect(registry.names()).toEqual(expect.arrayContaining(['NULL', 'PLAIN']));
    expect(registry.has('null')).toBe(true);
    expect(registry.client('null', {}).name).toBe('NULL');
  });

  test('a user-defined mechanism registers and is driven like the built-ins', async () => {
    const ECHO: MechanismDefinition = {
      name: 'X-ECHO',
      client: (o) => Object.assign(new NullMechanism('client', o), { name: 'X-ECHO' }),
      server: (o) => () => Object.assign(new NullMechanism('server', o), { name: 'X-ECHO' }),
    };
    const registry = new MechanismRegistry().register(ECHO);
    const { client, server } = await runHandshake(registry.client('X-ECHO'), registry.server('x-echo')());
    expect([client.name, client.status, server.status]).toEqual(['X-ECHO', 'ready', 'ready']);
  });

  test('bad names, duplicates and unknown names are refused', () => {
    const registry = createDefaultRegistry();
    const bad = { name: 'lower', client: () => { throw new Error(); }, server: () => () => { throw new Error(); } };
    expect(() => registry.register(bad)).toThrow(RangeError);
    expect(() => registry.register({ ...bad, name: 'NULL' })).toThrow(/already registered/);
    expect(() => registry.register({ ...bad, name: 'NULL' }, true)).not.toThrow();
    expect(() => registry.get('GSSAPI')).toThrow(/unknown mechanism GSSAPI/);
  });
});
