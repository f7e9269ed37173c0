import { ChpError } from '../../src/fleet/errors';
import { ReplicaState } from '../../src/fleet/replica-state';

const text = (s: string) => new TextEncoder().encode(s);
const none = new Uint8Array(0);

describe('ReplicaState', () => {
  it('collects a snapshot, then applies only strictly newer updates of its subtree', () => {
    const state = new ReplicaState('/keys/web/');
    state.beginSnapshot();
    expect(state.onSnapshot({ command: 'KVSYNC', key: '/keys/web/a', sequence: 3, properties: {}, value: text('a') }, 0)).toBe('more');
    expect(state.map.get('/keys/web/a')).toBeUndefined(); // not before KTHXBAI
    expect(state.onSnapshot({ command: 'KTHXBAI', sequence: 7, subtree: '/keys/web/' }, 0)).toBe('done');
    expect(state.map.sequence).toBe(7);
    const pub = (key: string, sequence: number) => ({ command: 'KVPUB' as const, key, sequence, uuid: none, properties: {}, value: text('v') });
    expect(state.onPublish(pub('/keys/web/b', 7), 0)).toBe('stale');
    expect(state.onPublish(pub('/keys/web/b', 8), 0)).toBe('applied');
    expect(state.onPublish({ command: 'HUGZ' }, 0)).toBe('alive');
    expect((state.onPublish(pub('/keys/db/c', 9), 0) as ChpError).code).toBe('ERR_CHP_KEY');
    expect((state.onPublish({ command: 'KTHXBAI', sequence: 1, subtree: '' }, 0) as ChpError).code).toBe('ERR_CHP_FRAMES');
  });

  it('drops snapshot entries outside its subtree, a KTHXBAI for another subtree, and oversize snapshots', () => {
    const state = new ReplicaState('/a/', { maxEntries: 1 });
    state.beginSnapshot();
    expect((state.onSnapshot({ command: 'KVSYNC', key: '/b/x', sequence: 1, properties: {}, value: text('x') }, 0) as ChpError).code).toBe('ERR_CHP_KEY');
    expect(state.onSnapshot({ command: 'KVSYNC', key: '/a/x', sequence: 1, properties: {}, value: text('x') }, 0)).toBe('more');
    expect((state.onSnapshot({ command: 'KVSYNC', key: '/a/y', sequence: 2, properties: {}, value: text('y') }, 0) as ChpError).code).toBe('ERR_CHP_SIZE');
    expect((state.onSnapshot({ command: 'KTHXBAI', sequence: 2, subtree: '' }, 0) as ChpError).code).toBe('ERR_CHP_KEY');
    expect((state.onSnapshot({ command: 'HUGZ' }, 0) as ChpError).code).toBe('ERR_CHP_FRAMES');
  });
});
