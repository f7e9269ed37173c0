import { bstarHeartbeat, chpCommands, chpReplica } from '../../fuzz/chp-targets';
import { Prng } from '../../fuzz/prng';
import type { Exec } from '../../fuzz/targets';

test('the CHP and Binary Star heartbeat fuzz targets run clean for a few thousand seeded executions', () => {
  const violations: string[] = [];
  const donors = [new Uint8Array([0, 1, 2]), new TextEncoder().encode('ICANHAZ?'), new Uint8Array(40).fill(0x2f)];
  const exec = {
    prng: new Prng(17),
    corpus: { sessions: [], allowed: [], donors },
    violate: (kind: string, detail: string) => violations.push(`${kind}: ${detail}`),
    ready: new Map(),
  } as unknown as Exec;
  for (let i = 0; i < 5000; i++) {
    chpCommands(exec);
    chpReplica(exec);
    bstarHeartbeat(exec);
  }
  expect(violations).toEqual([]);
});
